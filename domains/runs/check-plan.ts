import { isGraphPlan, waitsFor } from '../../lib/plan-graph';
import type { PlanStep, RunSpec } from '../../lib/run-spec';
import { collectReferences, conditionReferences, parseReference, resolveTemplates, TemplateError } from '../../lib/templates';

type Problem = { path: string; message: string };

/** A template reference of a step, where it sits, and whether `${item}` / `${index}` may appear there. */
interface StepReference {
  path: string;
  expression: string;
  itemAllowed: boolean;
  /** `exists` asks whether the path is there: a missing input path is its answer, not a mistake. */
  mayBeMissing: boolean;
}

function referencesOf(step: PlanStep, index: number): StepReference[] {
  const at = (...parts: string[]) => ['plan', 'steps', String(index), ...parts].join('.');
  return [
    ...collectReferences(step.args).map(({ at: where, expression }) => ({
      path: at('args', ...where),
      expression,
      itemAllowed: step.forEach !== undefined,
      mayBeMissing: false,
    })),
    ...(step.forEach
      ? collectReferences(step.forEach).map(({ expression }) => ({ path: at('forEach'), expression, itemAllowed: false, mayBeMissing: false }))
      : []),
    ...(step.when
      ? conditionReferences(step.when).map(({ at: where, expression }) => ({
          path: at('when', ...where),
          expression,
          itemAllowed: false,
          mayBeMissing: where.at(-1) === 'exists',
        }))
      : []),
  ];
}

/**
 * Every `${…}` of the plan (args, forEach, when) must parse and point at an input path that exists
 * or at a step that has run by then: in a sequence, an earlier step (and no cycle); in a graph, a
 * step it depends on, directly or through others, where `dependsOn` names only steps of the plan
 * and has no cycle. `${item}` and `${index}` only in a forEach step's args.
 */
export function checkPlanReferences(spec: RunSpec): Problem[] {
  const steps = spec.plan?.steps ?? [];
  const position = new Map(steps.map((step, index) => [step.id, index]));
  const problems: Problem[] = [];
  const referred = new Map<string, Array<{ stepId: string; path: string }>>();
  steps.forEach((step, index) => {
    const targets: Array<{ stepId: string; path: string }> = [];
    for (const { path, expression, itemAllowed, mayBeMissing } of referencesOf(step, index)) {
      const reference = parseReference(expression);
      if ('error' in reference) problems.push({ path, message: reference.error });
      else if (reference.kind === 'input') {
        if (!mayBeMissing) problems.push(...checkInputPath(spec.input, expression, path));
      } else if (reference.kind === 'item' || reference.kind === 'index') {
        if (!itemAllowed) problems.push({ path, message: `\${${expression}} is only known in the args of a forEach step` });
      } else if (!position.has(reference.stepId)) problems.push({ path, message: `\${${expression}} refers to no step "${reference.stepId}"` });
      else targets.push({ stepId: reference.stepId, path });
    }
    referred.set(step.id, targets);
  });
  if (spec.plan && isGraphPlan(spec.plan)) return [...problems, ...checkGraph(steps, referred)];

  const edges = new Map([...referred].map(([id, targets]) => [id, targets.map((target) => target.stepId)]));
  const cycle = findCycle(
    steps.map((step) => step.id),
    edges,
  );
  if (cycle) return [...problems, { path: 'plan.steps', message: `steps refer to each other in a cycle: ${cycle.join(' → ')}` }];
  steps.forEach((step, index) => {
    for (const target of referred.get(step.id) ?? []) {
      if ((position.get(target.stepId) ?? -1) >= index) {
        problems.push({ path: target.path, message: `step "${step.id}" uses the output of "${target.stepId}", which runs after it` });
      }
    }
  });
  return problems;
}

/** A graph plan: `dependsOn` names steps of the plan, has no cycle, and covers every step a step refers to. */
function checkGraph(steps: readonly PlanStep[], referred: Map<string, Array<{ stepId: string; path: string }>>): Problem[] {
  const ids = new Set(steps.map((step) => step.id));
  const problems: Problem[] = [];
  steps.forEach((step, index) => {
    (step.dependsOn ?? []).forEach((dependency, at) => {
      if (!ids.has(dependency)) {
        problems.push({ path: `plan.steps.${index}.dependsOn.${at}`, message: `step "${step.id}" depends on "${dependency}", which is no step of the plan` });
      }
    });
  });
  if (problems.length > 0) return problems;
  const edges = waitsFor({ steps });
  const cycle = findCycle([...ids], edges);
  if (cycle) return [{ path: 'plan.steps', message: `steps depend on each other in a cycle: ${cycle.join(' → ')}` }];
  const upstream = upstreamOf(steps, edges);
  for (const step of steps) {
    for (const target of referred.get(step.id) ?? []) {
      if (!upstream.get(step.id)?.has(target.stepId)) {
        problems.push({
          path: target.path,
          message: `step "${step.id}" uses the output of "${target.stepId}" but does not depend on it: add "${target.stepId}" to its dependsOn`,
        });
      }
    }
  }
  return problems;
}

/** Each step's dependencies, direct and through others (the graph has no cycle). */
function upstreamOf(steps: readonly PlanStep[], edges: Map<string, string[]>): Map<string, Set<string>> {
  const upstream = new Map<string, Set<string>>();
  const visit = (id: string): Set<string> => {
    const known = upstream.get(id);
    if (known) return known;
    const all = new Set<string>();
    for (const dependency of edges.get(id) ?? []) {
      all.add(dependency);
      for (const further of visit(dependency)) all.add(further);
    }
    upstream.set(id, all);
    return all;
  };
  steps.forEach((step) => visit(step.id));
  return upstream;
}

function checkInputPath(input: unknown, expression: string, path: string): Problem[] {
  if (input === undefined) return [{ path, message: `\${${expression}} refers to the run's input, but the spec has no "input"` }];
  try {
    resolveTemplates(`\${${expression}}`, { input, stepOutputs: {} });
    return [];
  } catch (error) {
    if (error instanceof TemplateError) return [{ path, message: error.message }];
    throw error;
  }
}

/** A cycle in a graph of step ids, as the ids along it, or null. */
function findCycle(ids: string[], edges: Map<string, string[]>): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const trail: string[] = [];
  const visit = (id: string): string[] | null => {
    if (state.get(id) === 'done') return null;
    if (state.get(id) === 'visiting') return [...trail.slice(trail.indexOf(id)), id];
    state.set(id, 'visiting');
    trail.push(id);
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    trail.pop();
    state.set(id, 'done');
    return null;
  };
  for (const id of ids) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return null;
}
