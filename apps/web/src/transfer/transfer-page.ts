import {
  parseTransferLink,
  type OpenTransferOptions,
  type OpenedTransfer,
  type TransferLink,
} from '@amtsbote/client/transfer-link';
import { otherLanguage, type Language } from './messages.js';
import { isFinalProblem, problemOf, type Problem } from './problems.js';
import type { FileSaver } from './save-file.js';
import type { FileDetails, PageState, ViewHandlers } from './view.js';

/*
 * The download page's steps: read the link (its fragment stays in this page), ask for the
 * password when the link has one, open the transfer, and on request download, decrypt and save
 * the file. Each step renders the whole state; errors become problems (problems.ts).
 */

export type OpenLink = (
  link: TransferLink,
  options: OpenTransferOptions,
) => Promise<OpenedTransfer>;

export interface PageView {
  render(state: PageState): void;
  focusPassword(): void;
  focusFile(): void;
}

export interface TransferPageOptions {
  /** The page's address, with the fragment. */
  readonly href: string;
  readonly language: Language;
  readonly openLink: OpenLink;
  readonly saver: FileSaver;
  readonly createView: (handlers: ViewHandlers) => PageView;
}

export class TransferPage {
  readonly #openLink: OpenLink;
  readonly #saver: FileSaver;
  readonly #view: PageView;
  readonly #link: TransferLink | null;
  #opened: OpenedTransfer | null = null;
  /** From the click on Download until the file is saved or failed (the dialog may take long). */
  #isDownloading = false;
  #state: PageState;

  constructor(options: TransferPageOptions) {
    this.#openLink = options.openLink;
    this.#saver = options.saver;
    let link: TransferLink | null = null;
    let problem: Problem | null = null;
    try {
      link = parseTransferLink(options.href);
    } catch (error) {
      problem = problemOf(error, false);
    }
    this.#link = link;
    this.#state = {
      language: options.language,
      stage: link === null ? 'final' : link.secret.passwordProtected ? 'password' : 'opening',
      isPasswordProtected: link?.secret.passwordProtected ?? false,
      problem,
      isSaveCancelled: false,
      file: null,
      receivedBytes: 0,
      savedUrl: null,
    };
    this.#view = options.createView({
      onPassword: (password) => this.#submitPassword(password),
      onRetry: () => void this.#open(null),
      onDownload: () => void this.#download(),
      onLanguageSwitch: () => this.#update({ language: otherLanguage(this.#state.language) }),
    });
  }

  /** Shows the first step; a link without password opens at once. */
  start(): void {
    this.#view.render(this.#state);
    if (this.#state.stage === 'opening') void this.#open(null);
  }

  #update(change: Partial<PageState>): void {
    this.#state = { ...this.#state, ...change };
    this.#view.render(this.#state);
  }

  #submitPassword(password: string): void {
    if (this.#state.stage !== 'password') return;
    if (password === '') {
      this.#update({ problem: 'password_missing' });
      this.#view.focusPassword();
      return;
    }
    void this.#open(password);
  }

  async #open(password: string | null): Promise<void> {
    const link = this.#link;
    if (link === null || this.#state.stage === 'final') return;
    const { isPasswordProtected } = this.#state;
    this.#update({ stage: 'opening', problem: null });
    let opened: OpenedTransfer;
    try {
      opened = await this.#openLink(link, password === null ? {} : { password });
    } catch (error) {
      const problem = problemOf(error, isPasswordProtected);
      if (isFinalProblem(problem)) {
        this.#update({ stage: 'final', problem });
      } else if (isPasswordProtected) {
        this.#update({ stage: 'password', problem });
        this.#view.focusPassword();
      } else {
        this.#update({ stage: 'unopened', problem });
      }
      return;
    }
    this.#opened = opened;
    this.#update({
      stage: 'ready',
      file: {
        name: opened.metadata.name,
        sizeBytes: opened.metadata.size,
        expiresAt: opened.offer.expiresAt,
        downloadsLeft: opened.offer.downloadsLeft,
      },
    });
    if (isPasswordProtected) this.#view.focusFile();
  }

  async #download(): Promise<void> {
    const opened = this.#opened;
    const { stage, file } = this.#state;
    if (opened === null || file === null || (stage !== 'ready' && stage !== 'saved')) return;
    if (this.#isDownloading) return;
    this.#isDownloading = true;
    try {
      await this.#downloadAndSave(opened, file);
    } finally {
      this.#isDownloading = false;
    }
  }

  async #downloadAndSave(opened: OpenedTransfer, file: FileDetails): Promise<void> {
    // First, while the click still counts as the user's: the save dialog, where there is one.
    const sink = await this.#saver.prepare(file.name);
    if (sink === null) {
      this.#update({ isSaveCancelled: true, problem: null });
      return;
    }
    this.#update({
      stage: 'downloading',
      problem: null,
      isSaveCancelled: false,
      receivedBytes: 0,
      savedUrl: null,
    });
    let savedUrl: string | null;
    try {
      const plaintext = await opened.download();
      const outcome = await sink.write(
        plaintext.pipeThrough(
          countBytes((bytes) => this.#update({ receivedBytes: this.#state.receivedBytes + bytes })),
        ),
      );
      savedUrl = outcome.kind === 'blob' ? outcome.url : null;
    } catch (error) {
      await sink.discard();
      // The save target's own failures (disk full, permission) are DOMExceptions; the
      // download's are typed errors of the client.
      const problem =
        error instanceof DOMException
          ? 'save_failed'
          : problemOf(error, this.#state.isPasswordProtected);
      this.#update({ stage: isFinalProblem(problem) ? 'final' : 'ready', problem });
      return;
    }
    const left = file.downloadsLeft;
    this.#update({
      stage: 'saved',
      savedUrl,
      file: { ...file, downloadsLeft: left === null ? null : Math.max(0, left - 1) },
    });
  }
}

function countBytes(onBytes: (bytes: number) => void): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(chunk, controller) {
      controller.enqueue(chunk);
      onBytes(chunk.length);
    },
  });
}
