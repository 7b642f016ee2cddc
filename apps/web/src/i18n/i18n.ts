import { createInstance, type i18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import { de } from './de.js';
import { en } from './en.js';

export const LANGUAGES = ['de', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The first of the browser's languages that the app speaks; German otherwise. */
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

export function isLanguage(value: string | null): value is Language {
  return LANGUAGES.some((language) => language === value);
}

/**
 * One i18next instance per app (no global one): German and English catalogs bundled, no
 * loading. Interpolated values are escaped by React, not by i18next.
 */
export async function createI18n(language: Language): Promise<i18n> {
  const instance = createInstance({
    lng: language,
    fallbackLng: 'de',
    supportedLngs: [...LANGUAGES],
    resources: { de: { translation: de }, en: { translation: en } },
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  await instance.use(initReactI18next).init();
  return instance;
}
