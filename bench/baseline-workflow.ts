/**
 * The bare-Temporal baseline: N no-op activities in order, no interceptors, no event log. It mirrors
 * what a Flightdeck plan of N `builtin.echo` steps asks of Temporal, so the difference is Flightdeck's.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { BaselineActivities } from './baseline-activities';

const { noop } = proxyActivities<BaselineActivities>({ startToCloseTimeout: '30s' });

export async function baselineRun(steps: number): Promise<number> {
  for (let step = 0; step < steps; step += 1) await noop({ step });
  return steps;
}
