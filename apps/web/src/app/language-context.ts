import { createContext, useContext } from 'react';
import type { Language } from '../i18n/i18n.js';

export interface LanguageControl {
  readonly language: Language;
  readonly other: Language;
  readonly switchLanguage: () => void;
}

export const LanguageContext = createContext<LanguageControl | null>(null);

export function useLanguage(): LanguageControl {
  const control = useContext(LanguageContext);
  if (control === null) throw new Error('useLanguage outside the LanguageContext');
  return control;
}
