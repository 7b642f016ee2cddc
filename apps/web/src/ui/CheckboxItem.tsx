import type { ReactElement, ReactNode } from 'react';
import { CheckboxButton, CheckboxField } from 'react-aria-components';

/** A checkbox with its label: the whole row is the target (at least 44 px high). */
export function CheckboxItem({
  isSelected,
  onChange,
  children,
}: {
  readonly isSelected: boolean;
  readonly onChange: (isSelected: boolean) => void;
  readonly children: ReactNode;
}): ReactElement {
  return (
    <CheckboxField isSelected={isSelected} onChange={onChange}>
      <CheckboxButton className="checkbox">
        <span className="checkbox-box" aria-hidden="true" />
        {children}
      </CheckboxButton>
    </CheckboxField>
  );
}
