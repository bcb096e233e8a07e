/**
 * Plan-step argument templates: `${input.a.b}` and `${steps.<id>.output.x}`. Pure and
 * deterministic — the API uses it to validate references, the workflow to resolve them.
 * A string that is exactly one template takes the referenced value as is (any JSON type);
 * a template inside a longer string is replaced by the value's text.
 */
const templatePattern = /\$\{([^}]*)\}/g;
const wholeTemplate = /^\$\{([^}]*)\}$/;

export type Reference = { kind: 'input'; path: string[] } | { kind: 'step'; stepId: string; path: string[] };

/** Parses `input.a.b` / `steps.s1.output.x`; returns an error message for anything else. */
export function parseReference(expression: string): Reference | { error: string } {
  const parts = expression.trim().split('.');
  if (parts.some((part) => part === '')) return { error: `"\${${expression}}" has an empty path segment` };
  if (parts[0] === 'input') return { kind: 'input', path: parts.slice(1) };
  if (parts[0] === 'steps') {
    const [, stepId, output, ...path] = parts;
    if (!stepId || output !== 'output') {
      return { error: `"\${${expression}}" must look like \${steps.<id>.output} or \${steps.<id>.output.<field>}` };
    }
    return { kind: 'step', stepId, path };
  }
  return { error: `"\${${expression}}" must start with "input." or "steps."` };
}

/** Every template reference in a JSON value, with where it sits (for error paths). */
export function collectReferences(value: unknown, at: string[] = []): Array<{ at: string[]; expression: string }> {
  if (typeof value === 'string') {
    return [...value.matchAll(templatePattern)].map((match) => ({ at, expression: match[1] ?? '' }));
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => collectReferences(item, [...at, String(index)]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => collectReferences(item, [...at, key]));
  }
  return [];
}

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

function lookup(root: unknown, path: string[], expression: string): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object' || !(key in current)) {
      throw new TemplateError(`\${${expression}} does not resolve: no "${key}"`);
    }
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export interface TemplateScope {
  input: unknown;
  stepOutputs: Record<string, unknown>;
}

function valueOf(expression: string, scope: TemplateScope): unknown {
  const reference = parseReference(expression);
  if ('error' in reference) throw new TemplateError(reference.error);
  if (reference.kind === 'input') return lookup(scope.input, reference.path, expression);
  if (!(reference.stepId in scope.stepOutputs)) {
    throw new TemplateError(`\${${expression}} refers to step "${reference.stepId}", which has not run`);
  }
  return lookup(scope.stepOutputs[reference.stepId], reference.path, expression);
}

/** Replaces every template in `value` from `scope`; throws TemplateError when one does not resolve. */
export function resolveTemplates(value: unknown, scope: TemplateScope): unknown {
  if (typeof value === 'string') {
    const whole = wholeTemplate.exec(value);
    if (whole) return valueOf(whole[1] ?? '', scope);
    return value.replace(templatePattern, (_match, expression: string) => {
      const resolved = valueOf(expression, scope);
      return typeof resolved === 'string' ? resolved : JSON.stringify(resolved);
    });
  }
  if (Array.isArray(value)) return value.map((item) => resolveTemplates(item, scope));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveTemplates(item, scope)]));
  }
  return value;
}
