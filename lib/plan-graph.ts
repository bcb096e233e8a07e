import type { PlanStep } from './run-spec';
import { collectReferences, parseReference } from './templates';

/**
 * The shape of a plan as the workflow runs it and the API checks it (docs/runs.md, "Plan graphs").
 * Pure and deterministic: workflow code imports it.
 *
 * - A plan where any step has `dependsOn` is a graph: each step waits for exactly the steps its
 *   `dependsOn` names (none without it), and every step whose dependencies are done runs at once.
 * - Otherwise the steps run one after another, each waiting for the one before it, as plans always have.
 */

type Plan = { steps: readonly PlanStep[] };

/** Whether the plan is a graph (`dependsOn` on any step) rather than a sequence. */
export const isGraphPlan = (plan: Plan): boolean => plan.steps.some((step) => step.dependsOn !== undefined);

/**
 * Whether the plan uses anything beyond a sequence of plain steps (`dependsOn`, `forEach`,
 * `when`): such a plan runs through the graph runner; any other runs exactly as plans always have.
 */
export const usesPlanGraph = (plan: Plan): boolean =>
  plan.steps.some((step) => step.dependsOn !== undefined || step.forEach !== undefined || step.when !== undefined);

/** The steps each step waits for: its `dependsOn` in a graph plan, the step before it in a sequence. */
export function waitsFor(plan: Plan): Map<string, string[]> {
  const graph = isGraphPlan(plan);
  return new Map(
    plan.steps.map((step, index) => {
      const previous = plan.steps[index - 1];
      return [step.id, graph ? [...new Set(step.dependsOn ?? [])] : previous ? [previous.id] : []];
    }),
  );
}

/** The steps whose outputs a step's `args` or `forEach` refer to (`${steps.<id>.output…}`). */
export function dataDependencies(step: PlanStep): string[] {
  const references = [...collectReferences(step.args), ...(step.forEach ? collectReferences(step.forEach) : [])];
  const ids = references.flatMap(({ expression }) => {
    const reference = parseReference(expression);
    return 'kind' in reference && reference.kind === 'step' ? [reference.stepId] : [];
  });
  return [...new Set(ids)];
}

/**
 * The skipped step that makes `step` skipped too, or null. A step with its own `when` is never
 * skipped for another's sake (its condition decides); one without is skipped when a step it
 * depends on was: one in its `dependsOn`, or one whose output its args or forEach use.
 */
export function skippedDependency(step: PlanStep, skipped: ReadonlySet<string>): string | null {
  if (step.when !== undefined) return null;
  return [...(step.dependsOn ?? []), ...dataDependencies(step)].find((id) => skipped.has(id)) ?? null;
}
