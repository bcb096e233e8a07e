/** A labelled form control with its hint and the errors at it, wired for screen readers. */
export function FieldErrors({ id, errors }: { id: string; errors: string[] | undefined }) {
  if (!errors?.length) return null;
  return (
    // The alert wraps the list: a list with role="alert" would stop being a list to assistive tech.
    <div id={id} role="alert" className="mt-1 text-sm text-red-700 dark:text-red-400" data-field-error>
      <ul className="space-y-0.5">
        {errors.map((error) => (
          <li key={error}>{error}</li>
        ))}
      </ul>
    </div>
  );
}

export function Field({
  name,
  label,
  hint,
  errors,
  children,
}: {
  name: string;
  label: string;
  hint?: string;
  errors: string[] | undefined;
  children: (props: { id: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string }) => React.ReactNode;
}) {
  const id = `field-${name}`;
  const describedBy = [hint ? `${id}-hint` : null, errors?.length ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div>
      <label htmlFor={id} className="label">
        {label}
      </label>
      {children({ id, 'aria-invalid': errors?.length ? true : undefined, 'aria-describedby': describedBy })}
      {hint && (
        <p id={`${id}-hint`} className="muted mt-1 text-xs">
          {hint}
        </p>
      )}
      <FieldErrors id={`${id}-error`} errors={errors} />
    </div>
  );
}

/** The start forms' idempotency key: optional, and what it is for. */
export function IdempotencyKeyField({ errors }: { errors: string[] | undefined }) {
  return (
    <Field name="idempotencyKey" label="Idempotency key (optional)" hint="Starting twice with the same key returns the first run." errors={errors}>
      {(props) => <input {...props} name="idempotencyKey" className="input" />}
    </Field>
  );
}
