import { CancellationScope } from '@temporalio/workflow';
import { FailureType } from '../lib/failure-types';
import { skippedDependency, waitsFor } from '../lib/plan-graph';
import { maxForEachItems, type PlanStep } from '../lib/run-spec';
import { evaluateCondition, resolveTemplates, TemplateError, type TemplateScope } from '../lib/templates';
import { runToolStep } from './tool-step';
import type { RunContext } from './run-context';
import { RunStopped } from './run-stopped';

const defaultForEachConcurrency = 10;

/**
 * A plan that uses `dependsOn`, `forEach` or `when` (lib/plan-graph.ts): each step starts once the
 * steps it waits for are done, so independent steps run at once. A step that fails stops the
 * run: the others still running are cancelled (their last attempts are recorded), then the first
 * failure ends the run. The run's output is every step's output by id; a skipped step has none.
 */
export async function runPlanGraph(context: RunContext): Promise<Record<string, unknown>> {
  const { spec } = context.input;
  const steps = spec.plan?.steps ?? [];
  const waits = waitsFor({ steps });
  const byId = new Map(steps.map((step) => [step.id, step]));
  const outputs: Record<string, unknown> = {};
  const skipped = new Set<string>();
  const tasks = new Map<string, Promise<void>>();
  const branches = new CancellationScope();
  let failure: { error: unknown } | null = null;

  const taskOf = (id: string, trail: readonly string[] = []): Promise<void> => {
    const known = tasks.get(id);
    if (known) return known;
    // The API refuses a cycle (domains/runs/check-plan.ts); a spec that skipped it fails here, not in a loop.
    if (trail.includes(id)) throw stopped(`steps depend on each other in a cycle: ${[...trail, id].join(' → ')}`);
    const step = byId.get(id);
    if (!step) throw stopped(`a step depends on "${id}", which is no step of the plan`);
    const waitFor = (waits.get(id) ?? []).map((dependency) => taskOf(dependency, [...trail, id]));
    const task = Promise.all(waitFor).then(() => runStep(step));
    task.catch((error: unknown) => {
      // The first failure ends the run; the others (cancellations, steps after it) follow from it.
      if (failure) return;
      failure = { error };
      branches.cancel();
    });
    tasks.set(id, task);
    return task;
  };

  const scopeOf = (extra: Partial<TemplateScope> = {}): TemplateScope => ({ input: spec.input, stepOutputs: outputs, skippedSteps: skipped, ...extra });

  const runStep = async (step: PlanStep): Promise<void> => {
    if (failure) return; // the run is ending: start nothing more
    const skip = skipReason(step);
    if (skip) {
      skipped.add(step.id);
      const data = { stepId: step.id, tool: step.tool, ...skip };
      await context.record([{ type: 'step.skipped', key: `step/${step.id}/skipped`, data }]);
      return;
    }
    context.state.currentStep = step.id;
    outputs[step.id] = step.forEach ? await runForEach(step) : await runOne(step, step.id, {});
  };

  const skipReason = (step: PlanStep): { reason: 'condition' } | { reason: 'dependency'; dependency: string } | null => {
    const { when } = step;
    if (when) return resolving(step.id, () => evaluateCondition(when, scopeOf())) ? null : { reason: 'condition' };
    const dependency = skippedDependency(step, skipped);
    return dependency ? { reason: 'dependency', dependency } : null;
  };

  const runOne = (step: PlanStep, stepId: string, extra: Partial<TemplateScope>): Promise<unknown> =>
    runToolStep(context, { stepId, tool: step.tool, policy: context.input.policies[step.id] }, () =>
      resolving(stepId, () => resolveTemplates(step.args, scopeOf(extra)) as Record<string, unknown>),
    );

  /** One call per item, `concurrency` at a time, each logged as the step `<id>[<index>]`; the outputs in the items' order. */
  const runForEach = async (step: PlanStep): Promise<unknown[]> => {
    const items = resolving(step.id, () => resolveTemplates(step.forEach, scopeOf()));
    if (!Array.isArray(items)) {
      const got = items === null ? 'null' : typeof items;
      throw new RunStopped({
        message: `step ${step.id}: forEach ${step.forEach} is ${got}, not an array`,
        errorClass: FailureType.ForEachNotArray,
        retryable: false,
        step: step.id,
      });
    }
    if (items.length > maxForEachItems) {
      throw new RunStopped({
        message: `step ${step.id}: forEach has ${items.length} items, more than ${maxForEachItems}`,
        errorClass: FailureType.LimitExceeded,
        retryable: false,
        step: step.id,
      });
    }
    const results = new Array<unknown>(items.length);
    let next = 0;
    const worker = async () => {
      while (next < items.length && !failure) {
        const index = next++;
        results[index] = await runOne(step, `${step.id}[${index}]`, { forEach: { item: items[index], index } });
      }
    };
    const concurrency = Math.min(step.concurrency ?? defaultForEachConcurrency, items.length);
    await Promise.all(Array.from({ length: concurrency }, worker));
    return results;
  };

  await branches.run(async () => {
    for (const step of steps) void taskOf(step.id);
    await Promise.allSettled([...tasks.values()]);
  });
  const ended = failure as { error: unknown } | null;
  if (ended) throw ended.error;
  context.state.currentStep = null;
  return outputs;
}

/** A template that does not resolve stops the run at its step (BadReference), as in a sequence. */
function resolving<T>(stepId: string, resolve: () => T): T {
  try {
    return resolve();
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    throw new RunStopped({ message: error.message, errorClass: FailureType.BadReference, retryable: false, step: stepId });
  }
}

const stopped = (message: string) => new RunStopped({ message, errorClass: FailureType.InvalidInput, retryable: false });
