import { dataDependencies, isGraphPlan, skippedDependency, usesPlanGraph, waitsFor } from './plan-graph';
import type { PlanStep } from './run-spec';

const step = (id: string, extra: Partial<PlanStep> = {}): PlanStep => ({ id, tool: 'builtin.echo', args: {}, ...extra });

describe('plan graphs (lib/plan-graph.ts)', () => {
  it('keeps a plan without dependsOn a sequence, each step waiting for the one before', () => {
    const plan = { steps: [step('a'), step('b'), step('c', { when: { exists: '${input.x}' } })] };
    expect(isGraphPlan(plan)).toBe(false);
    expect(usesPlanGraph(plan)).toBe(true);
    expect(usesPlanGraph({ steps: [step('a'), step('b')] })).toBe(false);
    expect([...waitsFor(plan)]).toEqual([
      ['a', []],
      ['b', ['a']],
      ['c', ['b']],
    ]);
  });

  it('makes a plan with any dependsOn a graph: a step without it waits for nothing', () => {
    const plan = { steps: [step('a'), step('b', { dependsOn: ['a'] }), step('c', { dependsOn: ['a'] }), step('d', { dependsOn: ['b', 'c', 'b'] })] };
    expect(isGraphPlan(plan)).toBe(true);
    expect([...waitsFor(plan)]).toEqual([
      ['a', []],
      ['b', ['a']],
      ['c', ['a']],
      ['d', ['b', 'c']],
    ]);
  });

  it('skips a step after a skipped step it depends on or uses, unless it has its own when', () => {
    const uses = step('u', { args: { x: '${steps.s.output.y}' } });
    expect(dataDependencies(uses)).toEqual(['s']);
    expect(skippedDependency(uses, new Set(['s']))).toBe('s');
    expect(skippedDependency(step('d', { dependsOn: ['s'] }), new Set(['s']))).toBe('s');
    expect(skippedDependency(step('f', { forEach: '${steps.s.output}' }), new Set(['s']))).toBe('s');
    expect(skippedDependency(step('w', { dependsOn: ['s'], when: { exists: '${steps.s.output}' } }), new Set(['s']))).toBeNull();
    expect(skippedDependency(step('n', { dependsOn: ['t'] }), new Set(['s']))).toBeNull();
  });
});
