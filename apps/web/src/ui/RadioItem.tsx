import type { ReactElement, ReactNode } from 'react';
import { RadioButton, RadioField } from 'react-aria-components';

/** One choice of a RadioGroup, label included in the target. */
export function RadioItem({
  value,
  children,
}: {
  readonly value: string;
  readonly children: ReactNode;
}): ReactElement {
  return (
    <RadioField value={value}>
      <RadioButton className="radio">{children}</RadioButton>
    </RadioField>
  );
}
