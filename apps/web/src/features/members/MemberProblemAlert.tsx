import type { ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import type { MemberProblem } from './member-problems.js';

/** A refused member action in an alert region, announced as soon as it appears. */
export function MemberProblemAlert({
  problem,
}: {
  readonly problem: MemberProblem | null;
}): ReactElement {
  const { t } = useTranslation();
  return (
    <div role="alert" className="problem-region">
      {problem === null ? null : <p className="problem">{t(`members.${problem}`)}</p>}
    </div>
  );
}
