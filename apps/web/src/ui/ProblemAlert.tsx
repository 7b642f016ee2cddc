import type { ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import type { Problem } from '../app/problems.js';

/** A problem in an alert region: screen readers announce it as soon as it appears. */
export function ProblemAlert({ problem }: { readonly problem: Problem | null }): ReactElement {
  const { t } = useTranslation();
  return (
    <div role="alert" className="problem-region">
      {problem === null ? null : <p className="problem">{t(`problems.${problem}`)}</p>}
    </div>
  );
}
