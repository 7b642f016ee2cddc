import type { ReactElement } from 'react';
import type { z } from 'zod';
import { FieldError, Input, Label, Text, TextField } from 'react-aria-components';

export interface TextInputProps {
  readonly name: string;
  readonly label: string;
  readonly description?: string;
  readonly type?: 'text' | 'password';
  readonly autoComplete?: string;
  readonly isRequired?: boolean;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly validate?: (value: string) => string | null;
  readonly autoFocus?: boolean;
}

/** A labelled text field with its hint and error, announced with the field (React Aria). */
export function TextInput(props: TextInputProps): ReactElement {
  return (
    <TextField
      className="field"
      name={props.name}
      type={props.type ?? 'text'}
      value={props.value}
      onChange={props.onChange}
      isRequired={props.isRequired ?? true}
      {...(props.autoComplete === undefined ? {} : { autoComplete: props.autoComplete })}
      {...(props.minLength === undefined ? {} : { minLength: props.minLength })}
      {...(props.maxLength === undefined ? {} : { maxLength: props.maxLength })}
      {...(props.pattern === undefined ? {} : { pattern: props.pattern })}
      {...(props.validate === undefined ? {} : { validate: props.validate })}
      {...(props.autoFocus === true ? { autoFocus: true } : {})}
      validationBehavior="native"
    >
      <Label>{props.label}</Label>
      <Input />
      {props.description === undefined ? null : <Text slot="description">{props.description}</Text>}
      <FieldError />
    </TextField>
  );
}

/** A field check by the schema the server applies, so the form refuses what the server would. */
export function invalidUnless(
  schema: z.ZodType,
  message: string,
): (value: string) => string | null {
  return (value) => (value === '' || schema.safeParse(value).success ? null : message);
}
