import type { Problem } from './problems.js';

/*
 * The download page's texts, German first and English second. No text of the page is written
 * anywhere else; numbers, sizes and dates are formatted for the language shown.
 */

export const LANGUAGES = ['de', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

export interface Messages {
  readonly language: Language;
  /** The name of this language in itself, on the switch that leads to it. */
  readonly languageName: string;
  readonly documentTitle: string;
  readonly heading: string;
  readonly intro: string;
  readonly passwordLabel: string;
  readonly passwordHint: string;
  readonly openButton: string;
  readonly opening: string;
  readonly retryButton: string;
  readonly fileHeading: string;
  readonly nameLabel: string;
  readonly sizeLabel: string;
  readonly expiresLabel: string;
  readonly downloadsLeftLabel: string;
  readonly unlimited: string;
  readonly downloadButton: string;
  readonly progressLabel: string;
  progress(percent: string, received: string, total: string): string;
  readonly saved: string;
  readonly saveAgain: string;
  readonly saveCancelled: string;
  readonly privacyNote: string;
  readonly problems: Readonly<Record<Problem, string>>;
}

const de: Messages = {
  language: 'de',
  languageName: 'Deutsch',
  documentTitle: 'Datei herunterladen – Amtsbote',
  heading: 'Datei herunterladen',
  intro: 'Jemand hat Ihnen mit Amtsbote eine Datei geschickt.',
  passwordLabel: 'Passwort',
  passwordHint:
    'Diese Datei ist mit einem Passwort geschützt. Sie erhalten es vom Absender auf einem anderen Weg, zum Beispiel am Telefon.',
  openButton: 'Öffnen',
  opening: 'Der Link wird geprüft …',
  retryButton: 'Erneut versuchen',
  fileHeading: 'Ihre Datei',
  nameLabel: 'Name',
  sizeLabel: 'Größe',
  expiresLabel: 'Verfügbar bis',
  downloadsLeftLabel: 'Verbleibende Downloads',
  unlimited: 'unbegrenzt',
  downloadButton: 'Herunterladen',
  progressLabel: 'Fortschritt',
  progress: (percent, received, total) => `${percent} – ${received} von ${total}`,
  saved: 'Die Datei ist vollständig und unverändert angekommen und wurde gespeichert.',
  saveAgain: 'Datei noch einmal speichern',
  saveCancelled: 'Speichern abgebrochen. Es wurde nichts heruntergeladen.',
  privacyNote:
    'Die Datei wird verschlüsselt übertragen und erst in Ihrem Browser entschlüsselt. Der Server kann ihren Inhalt nicht lesen.',
  problems: {
    password_missing: 'Bitte geben Sie das Passwort ein.',
    wrong_password: 'Das Passwort ist falsch. Bitte versuchen Sie es noch einmal.',
    damaged_link:
      'Der Link ist unvollständig oder beschädigt. Bitte kopieren Sie ihn vollständig aus der Nachricht des Absenders.',
    not_found:
      'Diesen Link gibt es nicht. Bitte prüfen Sie, ob Sie ihn vollständig kopiert haben, oder bitten Sie den Absender um einen neuen Link.',
    expired: 'Dieser Link ist abgelaufen. Bitten Sie den Absender um einen neuen Link.',
    revoked:
      'Der Absender hat diesen Link zurückgezogen. Die Datei kann nicht mehr heruntergeladen werden.',
    exhausted:
      'Die Datei wurde so oft heruntergeladen, wie der Absender es erlaubt hat. Bitten Sie den Absender um einen neuen Link.',
    locked:
      'Dieser Link ist gesperrt, weil zu oft ein falsches Passwort eingegeben wurde. Bitten Sie den Absender um einen neuen Link.',
    damaged_file:
      'Die Datei ist beschädigt oder wurde verändert. Aus Sicherheitsgründen wurde nichts gespeichert.',
    network:
      'Der Server ist nicht erreichbar. Bitte prüfen Sie Ihre Internetverbindung und versuchen Sie es noch einmal.',
    too_many_requests: 'Zu viele Versuche in kurzer Zeit. Bitte warten Sie eine Minute.',
    save_failed: 'Die Datei konnte nicht gespeichert werden. Bitte versuchen Sie es noch einmal.',
    unknown: 'Etwas ist schiefgegangen. Bitte versuchen Sie es später noch einmal.',
  },
};

const en: Messages = {
  language: 'en',
  languageName: 'English',
  documentTitle: 'Download a file – Amtsbote',
  heading: 'Download a file',
  intro: 'Someone sent you a file with Amtsbote.',
  passwordLabel: 'Password',
  passwordHint:
    'This file is protected by a password. The sender gives it to you another way, for example by phone.',
  openButton: 'Open',
  opening: 'Checking the link …',
  retryButton: 'Try again',
  fileHeading: 'Your file',
  nameLabel: 'Name',
  sizeLabel: 'Size',
  expiresLabel: 'Available until',
  downloadsLeftLabel: 'Downloads left',
  unlimited: 'unlimited',
  downloadButton: 'Download',
  progressLabel: 'Progress',
  progress: (percent, received, total) => `${percent} – ${received} of ${total}`,
  saved: 'The file arrived complete and unchanged, and was saved.',
  saveAgain: 'Save the file again',
  saveCancelled: 'Saving cancelled. Nothing was downloaded.',
  privacyNote:
    'The file travels encrypted and is decrypted only in your browser. The server cannot read it.',
  problems: {
    password_missing: 'Please enter the password.',
    wrong_password: 'The password is wrong. Please try again.',
    damaged_link:
      "The link is incomplete or damaged. Please copy all of it from the sender's message.",
    not_found:
      'This link does not exist. Please check that you copied all of it, or ask the sender for a new link.',
    expired: 'This link has expired. Please ask the sender for a new link.',
    revoked: 'The sender has withdrawn this link. The file can no longer be downloaded.',
    exhausted:
      'The file has been downloaded as often as the sender allowed. Please ask them for a new link.',
    locked:
      'This link is locked because a wrong password was entered too often. Please ask the sender for a new link.',
    damaged_file: 'The file is damaged or was changed. For your safety, nothing was saved.',
    network: 'The server cannot be reached. Please check your internet connection and try again.',
    too_many_requests: 'Too many attempts in a short time. Please wait a minute.',
    save_failed: 'The file could not be saved. Please try again.',
    unknown: 'Something went wrong. Please try again later.',
  },
};

const CATALOG: Readonly<Record<Language, Messages>> = { de, en };

export function messagesFor(language: Language): Messages {
  return CATALOG[language];
}

/** The first of the browser's preferred languages that the page speaks; German otherwise. */
export function preferredLanguage(browserLanguages: readonly string[]): Language {
  for (const tag of browserLanguages) {
    const primary = tag.split('-')[0]?.toLowerCase();
    const match = LANGUAGES.find((language) => language === primary);
    if (match !== undefined) return match;
  }
  return 'de';
}

export function otherLanguage(language: Language): Language {
  return language === 'de' ? 'en' : 'de';
}

const SIZE_UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/** Decimal units (1 MB = 1,000,000 bytes), one decimal from kilobytes on: "1,5 MB". */
export function formatBytes(bytes: number, language: Language): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < SIZE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return new Intl.NumberFormat(language, {
    style: 'unit',
    unit: SIZE_UNITS[unit] ?? 'byte',
    unitDisplay: 'short',
    maximumFractionDigits: unit === 0 ? 0 : 1,
  }).format(value);
}

export function formatPercent(fraction: number, language: Language): string {
  return new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 0 }).format(
    fraction,
  );
}

export function formatCount(count: number, language: Language): string {
  return new Intl.NumberFormat(language).format(count);
}

export function formatDateTime(iso: string, language: Language): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'long', timeStyle: 'short' }).format(
    new Date(iso),
  );
}
