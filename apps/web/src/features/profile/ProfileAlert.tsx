import type { ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import { problemTextOf } from './profile-problems.js';

export interface ProfileAlertProps {
  /** The error to tell the user about, or null. */
  readonly error: unknown;
  /** A text shown instead of the error's, e.g. a missing field. */
  readonly message?: string | null;
}

/** An error of this feature in an alert region, announced as soon as it appears. */
export function ProfileAlert({ error, message = null }: ProfileAlertProps): ReactElement {
  const { t } = useTranslation();
  const text = message ?? (error === null ? null : t(problemTextOf(error)));
  return (
    <div role="alert" className="problem-region">
      {text === null ? null : <p className="problem">{text}</p>}
    </div>
  );
}
