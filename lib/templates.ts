import type { PlanCondition } from './run-spec';

/**
 * Plan-step argument templates: `${input.a.b}`, `${steps.<id>.output.x}`, and in a forEach step's
 * args `${item.x}` and `${index}`. Pure and deterministic — the API uses it to validate
 * references, the workflow to resolve them and to evaluate `when` conditions.
 * A string that is exactly one template takes the referenced value as is (any JSON type);
 * a template inside a longer string is replaced by the value's text.
 */
const templatePattern = /\$\{([^}]*)\}/g;
const wholeTemplate = /^\$\{([^}]*)\}$/;

export type Reference =
  { kind: 'input'; path: string[] } | { kind: 'step'; stepId: string; path: string[] } | { kind: 'item'; path: string[] } | { kind: 'index' };

/** Parses `input.a.b` / `steps.s1.output.x` / `item.x` / `index`; returns an error message for anything else. */
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
  if (parts[0] === 'item') return { kind: 'item', path: parts.slice(1) };
  if (parts[0] === 'index' && parts.length === 1) return { kind: 'index' };
  return { error: `"\${${expression}}" must start with "input." or "steps." (or be \${item…} / \${index} in a forEach step)` };
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
  /** The item a forEach step's call is for, and its index in the array. */
  forEach?: { item: unknown; index: number };
  /** Steps that were skipped (`when`): a reference to one says so instead of "has not run". */
  skippedSteps?: ReadonlySet<string>;
}

function valueOf(expression: string, scope: TemplateScope): unknown {
  const reference = parseReference(expression);
  if ('error' in reference) throw new TemplateError(reference.error);
  if (reference.kind === 'input') return lookup(scope.input, reference.path, expression);
  if (reference.kind === 'item' || reference.kind === 'index') {
    if (!scope.forEach) throw new TemplateError(`\${${expression}} is only known in the args of a forEach step`);
    return reference.kind === 'index' ? scope.forEach.index : lookup(scope.forEach.item, reference.path, expression);
  }
  if (!(reference.stepId in scope.stepOutputs)) {
    const why = scope.skippedSteps?.has(reference.stepId) ? 'which was skipped' : 'which has not run';
    throw new TemplateError(`\${${expression}} refers to step "${reference.stepId}", ${why}`);
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

/** Every template reference in a condition's operands, with where it sits (for error paths). */
export function conditionReferences(condition: PlanCondition, at: string[] = []): Array<{ at: string[]; expression: string }> {
  if ('equals' in condition) return collectReferences(condition.equals, [...at, 'equals']);
  if ('exists' in condition) return collectReferences(condition.exists, [...at, 'exists']);
  if ('not' in condition) return conditionReferences(condition.not, [...at, 'not']);
  const [key, operands] = 'and' in condition ? (['and', condition.and] as const) : (['or', condition.or] as const);
  return operands.flatMap((operand, index) => conditionReferences(operand, [...at, key, String(index)]));
}

/**
 * Whether `condition` holds in `scope`. `exists` is false for a reference that does not resolve
 * (a missing field, a skipped step); any other operand that does not resolve throws TemplateError,
 * as args do. `equals` compares JSON values deeply; `and` / `or` stop at the deciding operand.
 */
export function evaluateCondition(condition: PlanCondition, scope: TemplateScope): boolean {
  if ('equals' in condition) {
    const [left, right] = condition.equals.map((operand) => resolveTemplates(operand, scope));
    return jsonEquals(left, right);
  }
  if ('exists' in condition) {
    try {
      return resolveTemplates(condition.exists, scope) !== undefined;
    } catch (error) {
      if (error instanceof TemplateError) return false;
      throw error;
    }
  }
  if ('not' in condition) return !evaluateCondition(condition.not, scope);
  if ('and' in condition) return condition.and.every((operand) => evaluateCondition(operand, scope));
  return condition.or.some((operand) => evaluateCondition(operand, scope));
}

function jsonEquals(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  if (Array.isArray(left) || Array.isArray(right)) {
    return Array.isArray(left) && Array.isArray(right) && left.length === right.length && left.every((item, index) => jsonEquals(item, right[index]));
  }
  if (left === null || right === null || typeof left !== 'object' || typeof right !== 'object') return false;
  const leftKeys = Object.keys(left);
  const rightRecord = right as Record<string, unknown>;
  return (
    leftKeys.length === Object.keys(right).length &&
    leftKeys.every((key) => key in rightRecord && jsonEquals((left as Record<string, unknown>)[key], rightRecord[key]))
  );
}
