import { useState, type ReactElement } from 'react';
import { Button } from 'react-aria-components';
import { CheckboxItem } from '../../ui/CheckboxItem.js';
import { useTranslation } from 'react-i18next';
import { Page } from '../../ui/Page.js';

/** The first device's recovery key, shown this once; the user confirms having kept it. */
export function RecoveryKeyScreen({
  recoveryKey,
  onDone,
}: {
  readonly recoveryKey: string;
  readonly onDone: () => void;
}): ReactElement {
  const { t } = useTranslation();
  const [isKept, setKept] = useState(false);
  return (
    <Page title={t('device.recoveryTitle')}>
      <p>{t('device.recoveryIntro')}</p>
      <p className="recovery-key" data-testid="recovery-key">
        <code>{recoveryKey}</code>
      </p>
      <CheckboxItem isSelected={isKept} onChange={setKept}>
        {t('device.recoveryConfirm')}
      </CheckboxItem>
      <Button className="primary-button" isDisabled={!isKept} onPress={onDone}>
        {t('device.continue')}
      </Button>
    </Page>
  );
}
