import {
  formatBytes,
  formatCount,
  formatDateTime,
  formatPercent,
  messagesFor,
  otherLanguage,
  type Language,
} from './messages.js';
import type { Problem } from './problems.js';

/*
 * The download page's DOM (transfer.html holds its structure): render() shows a PageState, in
 * full, in the state's language, so switching the language is one more render. Text is only
 * ever set as textContent; an unchanged text is not set again, so live regions do not repeat.
 */

export const STAGES = [
  /** The link asks for its password. */
  'password',
  /** Deriving keys and asking the server. */
  'opening',
  /** Opening failed in a way worth another try (no password to correct). */
  'unopened',
  /** The link opens nothing any more. */
  'final',
  'ready',
  'downloading',
  'saved',
] as const;
export type Stage = (typeof STAGES)[number];

export interface FileDetails {
  readonly name: string;
  readonly sizeBytes: number;
  readonly expiresAt: string;
  /** null: no limit. */
  readonly downloadsLeft: number | null;
}

export interface PageState {
  readonly language: Language;
  readonly stage: Stage;
  readonly isPasswordProtected: boolean;
  readonly problem: Problem | null;
  readonly isSaveCancelled: boolean;
  readonly file: FileDetails | null;
  readonly receivedBytes: number;
  /** The download link of a file saved through the browser's downloads. */
  readonly savedUrl: string | null;
}

export interface ViewHandlers {
  onPassword(password: string): void;
  onRetry(): void;
  onDownload(): void;
  onLanguageSwitch(): void;
}

/** Progress is announced in tenths, so a screen reader is not flooded. */
const ANNOUNCED_STEPS = 10;

export class TransferView {
  readonly #document: Document;
  readonly #el: ReturnType<typeof findElements>;

  constructor(document: Document, handlers: ViewHandlers) {
    this.#document = document;
    this.#el = findElements(document);
    const el = this.#el;
    el.passwordForm.addEventListener('submit', (event) => {
      event.preventDefault();
      handlers.onPassword(el.password.value);
    });
    el.retry.addEventListener('click', () => handlers.onRetry());
    el.download.addEventListener('click', () => handlers.onDownload());
    el.language.addEventListener('click', () => handlers.onLanguageSwitch());
  }

  render(state: PageState): void {
    const m = messagesFor(state.language);
    const el = this.#el;
    this.#document.documentElement.lang = state.language;
    this.#document.title = m.documentTitle;
    const other = messagesFor(otherLanguage(state.language));
    setText(el.language, other.languageName);
    el.language.lang = other.language;

    setText(el.heading, m.heading);
    setText(el.intro, m.intro);
    setText(el.privacyNote, m.privacyNote);
    setText(el.problem, state.problem === null ? '' : m.problems[state.problem]);
    setText(el.status, state.stage === 'opening' ? m.opening : '');

    const isAsking = state.stage === 'password' || state.stage === 'opening';
    el.passwordForm.hidden = !(state.isPasswordProtected && isAsking);
    setText(el.passwordLabel, m.passwordLabel);
    setText(el.passwordHint, m.passwordHint);
    setText(el.open, m.openButton);
    setBusy(el.open, state.stage === 'opening');
    const isPasswordProblem =
      state.problem === 'wrong_password' || state.problem === 'password_missing';
    el.password.setAttribute('aria-invalid', String(isPasswordProblem));
    el.password.setAttribute(
      'aria-describedby',
      isPasswordProblem ? 'problem password-hint' : 'password-hint',
    );

    el.retry.hidden = state.stage !== 'unopened';
    setText(el.retry, m.retryButton);

    const hasFile =
      state.stage === 'ready' || state.stage === 'downloading' || state.stage === 'saved';
    el.file.hidden = !hasFile || state.file === null;
    if (state.file !== null) this.#renderFile(state, state.file);
  }

  /** Keeps the recipient in the password field, its text selected for typing again. */
  focusPassword(): void {
    this.#el.password.focus();
    this.#el.password.select();
  }

  /** Leads to the file once it opened (the password form is gone). */
  focusFile(): void {
    this.#el.fileHeading.focus();
  }

  #renderFile(state: PageState, file: FileDetails): void {
    const m = messagesFor(state.language);
    const el = this.#el;
    const language = state.language;
    setText(el.fileHeading, m.fileHeading);
    setText(el.nameLabel, m.nameLabel);
    setText(el.name, file.name);
    setText(el.sizeLabel, m.sizeLabel);
    setText(el.size, formatBytes(file.sizeBytes, language));
    setText(el.expiresLabel, m.expiresLabel);
    setText(el.expires, formatDateTime(file.expiresAt, language));
    el.expires.dateTime = file.expiresAt;
    setText(el.downloadsLabel, m.downloadsLeftLabel);
    setText(
      el.downloads,
      file.downloadsLeft === null ? m.unlimited : formatCount(file.downloadsLeft, language),
    );
    setText(el.download, m.downloadButton);
    setBusy(el.download, state.stage === 'downloading');

    const isProgressShown = state.stage === 'downloading' || state.stage === 'saved';
    el.progressArea.hidden = !isProgressShown;
    setText(el.progressLabel, m.progressLabel);
    const fraction = file.sizeBytes === 0 ? 1 : Math.min(1, state.receivedBytes / file.sizeBytes);
    el.progress.value = fraction;
    const step = Math.floor(fraction * ANNOUNCED_STEPS) / ANNOUNCED_STEPS;
    setText(
      el.progressText,
      isProgressShown
        ? m.progress(
            formatPercent(step, language),
            formatBytes(Math.round(step * file.sizeBytes), language),
            formatBytes(file.sizeBytes, language),
          )
        : '',
    );

    setText(
      el.fileStatus,
      state.stage === 'saved' ? m.saved : state.isSaveCancelled ? m.saveCancelled : '',
    );
    el.saveAgainArea.hidden = !(state.stage === 'saved' && state.savedUrl !== null);
    if (state.savedUrl !== null) {
      el.saveAgain.href = state.savedUrl;
      el.saveAgain.download = file.name;
    }
    setText(el.saveAgain, m.saveAgain);
  }
}

function setText(element: HTMLElement, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

/** A busy button stays focusable (a disabled one would drop the focus) but says it is busy. */
function setBusy(button: HTMLButtonElement, isBusy: boolean): void {
  if (isBusy) button.setAttribute('aria-disabled', 'true');
  else button.removeAttribute('aria-disabled');
}

function findElements(document: Document) {
  const find = <T extends HTMLElement>(id: string, type: { new (): T; prototype: T }): T => {
    const element = document.getElementById(id);
    if (!(element instanceof type)) throw new Error(`transfer.html has no ${type.name} #${id}`);
    return element;
  };
  return {
    language: find('language', HTMLButtonElement),
    heading: find('heading', HTMLHeadingElement),
    intro: find('intro', HTMLParagraphElement),
    problem: find('problem', HTMLDivElement),
    status: find('status', HTMLParagraphElement),
    passwordForm: find('password-form', HTMLFormElement),
    passwordLabel: find('password-label', HTMLLabelElement),
    passwordHint: find('password-hint', HTMLParagraphElement),
    password: find('password', HTMLInputElement),
    open: find('open', HTMLButtonElement),
    retry: find('retry', HTMLButtonElement),
    file: find('file', HTMLElement),
    fileHeading: find('file-heading', HTMLHeadingElement),
    nameLabel: find('name-label', HTMLElement),
    name: find('name', HTMLElement),
    sizeLabel: find('size-label', HTMLElement),
    size: find('size', HTMLElement),
    expiresLabel: find('expires-label', HTMLElement),
    expires: find('expires', HTMLTimeElement),
    downloadsLabel: find('downloads-label', HTMLElement),
    downloads: find('downloads', HTMLElement),
    download: find('download', HTMLButtonElement),
    progressArea: find('progress-area', HTMLDivElement),
    progressLabel: find('progress-label', HTMLLabelElement),
    progress: find('progress', HTMLProgressElement),
    progressText: find('progress-text', HTMLParagraphElement),
    fileStatus: find('file-status', HTMLParagraphElement),
    saveAgainArea: find('save-again-area', HTMLParagraphElement),
    saveAgain: find('save-again', HTMLAnchorElement),
    privacyNote: find('privacy-note', HTMLParagraphElement),
  };
}
