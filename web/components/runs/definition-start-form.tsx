'use client';

import { startTransition, useActionState, useState } from 'react';
import type { Definition } from '../../../lib/api-client/schemas';
import { startDefinitionRunAction } from '@/app/(app)/runs/new/actions';
import { Field, FieldErrors, IdempotencyKeyField } from '@/components/ui/form-field';
import type { ActionResult } from '@/lib/action-result';
import { checkInput, fieldsOf, inputFrom, type FormValues, type SchemaField } from '@/lib/schema-form';

const initial: ActionResult = { ok: false, message: null, fieldErrors: {} };

function Control({ field, props }: { field: SchemaField; props: { id: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string } }) {
  const name = `input.${field.key}`;
  switch (field.kind) {
    case 'boolean':
      return <input {...props} type="checkbox" name={name} defaultChecked={field.initial === true} className="h-4 w-4" />;
    case 'choice':
      return (
        <select {...props} name={name} defaultValue={typeof field.initial === 'string' ? field.initial : ''} className="input">
          {!field.required && <option value="">—</option>}
          {field.choices?.map((choice) => (
            <option key={choice} value={choice}>
              {choice}
            </option>
          ))}
        </select>
      );
    case 'number':
    case 'integer':
      return (
        <input
          {...props}
          type="number"
          step={field.kind === 'integer' ? 1 : 'any'}
          name={name}
          defaultValue={typeof field.initial === 'string' ? field.initial : undefined}
          className="input"
        />
      );
    case 'json':
      return (
        <textarea
          {...props}
          name={name}
          rows={5}
          spellCheck={false}
          defaultValue={typeof field.initial === 'string' ? field.initial : undefined}
          className="input font-mono text-xs"
        />
      );
    default:
      return <input {...props} name={name} defaultValue={typeof field.initial === 'string' ? field.initial : undefined} className="input" />;
  }
}

/** Reads the controls back: checkboxes by their state, everything else by its text. */
function valuesOf(form: HTMLFormElement, fields: SchemaField[]): FormValues {
  const values: FormValues = {};
  for (const field of fields) {
    const control = form.elements.namedItem(`input.${field.key}`);
    if (control instanceof HTMLInputElement && control.type === 'checkbox') values[field.key] = control.checked;
    else if (control && 'value' in control) values[field.key] = String(control.value);
  }
  return values;
}

/**
 * The start form of one definition, drawn from its input schema and checked in the browser with
 * that schema before anything is sent; the API checks again and its problems land at the fields.
 */
export function DefinitionStartForm({ definition }: { definition: Definition }) {
  const [state, action, pending] = useActionState(startDefinitionRunAction, initial);
  const [localErrors, setLocalErrors] = useState<Record<string, string[]> | null>(null);
  const fields = fieldsOf(definition.inputSchema);
  const errors = localErrors ?? state.fieldErrors;

  const submit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    let input: unknown;
    let problems: Record<string, string[]> = {};
    if (fields) {
      ({ input, problems } = inputFrom(fields, valuesOf(form, fields)));
    } else {
      const text = (form.elements.namedItem('input') as HTMLTextAreaElement).value;
      try {
        input = text.trim() === '' ? {} : JSON.parse(text);
      } catch (error) {
        problems = { _: [`not valid JSON: ${(error as Error).message}`] };
      }
    }
    if (Object.keys(problems).length === 0) problems = checkInput(definition.inputSchema, input) ?? {};
    if (Object.keys(problems).length > 0) {
      setLocalErrors(problems);
      return;
    }
    setLocalErrors(null);
    const data = new FormData();
    data.set('definition', definition.name);
    data.set('input', JSON.stringify(input));
    const idempotencyKey = (form.elements.namedItem('idempotencyKey') as HTMLInputElement).value;
    if (idempotencyKey) data.set('idempotencyKey', idempotencyKey);
    startTransition(() => action(data));
  };

  return (
    <form onSubmit={submit} className="card space-y-4 p-4" aria-label={`Start ${definition.name}`} noValidate data-definition-form={definition.name}>
      {definition.description && <p className="muted text-sm">{definition.description}</p>}
      <div className="grid gap-4 md:grid-cols-2">
        {fields ? (
          fields.map((field) => (
            <Field
              key={field.key}
              name={`input-${field.key}`}
              label={`${field.label}${field.required ? '' : ' (optional)'}`}
              hint={field.description ?? (field.kind === 'json' ? 'JSON.' : undefined)}
              errors={errors[field.key]}
            >
              {(props) => <Control field={field} props={props} />}
            </Field>
          ))
        ) : (
          <Field name="input" label="Input (JSON)" errors={errors._}>
            {(props) => <textarea {...props} name="input" rows={8} spellCheck={false} defaultValue="{}" className="input font-mono text-xs" />}
          </Field>
        )}
        <IdempotencyKeyField errors={errors.idempotencyKey} />
      </div>
      {fields && <FieldErrors id="input-errors" errors={errors._} />}
      {state.message && !state.ok && !localErrors && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400" data-testid="form-error">
          {state.message}
        </p>
      )}
      <div className="flex justify-end">
        <button type="submit" className="btn btn-primary" disabled={pending}>
          {pending ? 'Starting…' : `Start ${definition.name}`}
        </button>
      </div>
    </form>
  );
}
