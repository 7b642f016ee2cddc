import type { ReactElement } from 'react';
import { Button } from 'react-aria-components';
import { useTranslation } from 'react-i18next';
import { useLanguage } from '../app/language-context.js';

/** Switches between German and English; the choice is remembered on this device. */
export function LanguageSwitch(): ReactElement {
  const { t } = useTranslation();
  const { other, switchLanguage } = useLanguage();
  return (
    <Button
      className="link-button"
      aria-label={t('app.languageSwitchLabel')}
      onPress={switchLanguage}
    >
      <span lang={other}>{t('app.languageSwitch')}</span>
    </Button>
  );
}
