import { Connection } from '@temporalio/client';
import { AppError } from '../../lib/errors';
import { InFlight } from '../../lib/in-flight';
import { runSpecSchema } from '../../lib/run-spec';
import { findRun } from '../../lib/runs-store';
import { createToolRegistry } from '../../tools/default-registry';
import { signingClient } from '../../test/run-helpers';
import { startTestStack, type TestStack } from '../../test/stack';
import type { Principal } from '../keys';
import { cancelRun, startRun, type RunServiceDeps } from '.';

const napPlan = runSpecSchema.parse({ plan: { steps: [{ id: 'nap', tool: 'builtin.wait', args: { seconds: 300 } }] } });

/** The use cases called directly, as an activity or a script would: a real worker, Temporal and Postgres, no HTTP. */
describe('runs domain', () => {
  let stack: TestStack;
  let connection: Connection;
  let deps: RunServiceDeps;
  let operator: Principal;

  beforeAll(async () => {
    const tools = await createToolRegistry();
    stack = await startTestStack({ tools });
    connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
    // Signing its signals as the API's client does (lib/signal-signature.ts): the worker refuses unsigned ones.
    deps = { db: stack.db, temporal: signingClient(connection), temporalCalls: new InFlight(), tools, taskQueue: stack.taskQueue };
    operator = { tenantId: stack.tenantId, role: 'operator', superAdmin: false, actor: { type: 'api_key', id: 'key_domain_test', role: 'operator' } };
  });
  afterAll(async () => {
    await deps?.temporalCalls.drain();
    await connection?.close();
    await stack?.close();
  });

  const codeOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'resolved',
      (error: unknown) => (error instanceof AppError ? error.code : String(error)),
    );

  it('starts a run and cancels it; only the tenant can, and only while it runs', async () => {
    const { run, created } = await startRun(deps, operator, napPlan);
    expect(created).toBe(true);
    expect(run).toMatchObject({ tenantId: stack.tenantId, mode: 'plan', createdBy: { id: 'key_domain_test' } });

    const stranger: Principal = { ...operator, tenantId: `${stack.tenantId}-other` };
    expect(await codeOf(cancelRun(deps, stranger, run.id, null))).toBe('not_found');

    await cancelRun(deps, operator, run.id, 'no longer needed');
    const deadline = Date.now() + 30_000;
    while ((await findRun(stack.db, stack.tenantId, run.id))?.status !== 'cancelled') {
      if (Date.now() > deadline) throw new Error(`run ${run.id} was not cancelled in time`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const requested = await stack.db('run_events').where({ run_id: run.id, type: 'run.cancel_requested' }).first();
    expect(requested).toMatchObject({ data: { reason: 'no longer needed' }, actor: { id: 'key_domain_test' } });
    expect(await codeOf(cancelRun(deps, operator, run.id, null))).toBe('conflict');
  });
});
