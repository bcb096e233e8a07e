import type { ApiKeyView } from '../../domains/keys';
import type { ScheduleView } from '../../domains/schedules';
import type { AdminAuditView } from '../admin-audit';
import { presentRun, type RunView } from '../../api/presenters';
import { createToolRegistry } from '../../tools/default-registry';
import type { ToolDescription } from '../../tools/registry';
import type { RunProjection } from '../run-projection';
import {
  apiKeySchema,
  runDetailSchema,
  runSchema,
  toolSchema,
  type AdminAuditEntry,
  type ApiKey,
  type Run,
  type RunDetail,
  type Schedule,
  type Tool,
} from './schemas';

/** `true` only when A and B have the same keys: a presenter field the client lacks (or vice versa) fails tsc. */
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;
// RunView has `spec` as optional (present only with `withSpec`), so it matches the detail type.
const runKeysMatch: SameKeys<RunView, RunDetail> = true;
const apiKeyKeysMatch: SameKeys<ApiKeyView, ApiKey> = true;
const toolKeysMatch: SameKeys<ToolDescription, Tool> = true;
const scheduleKeysMatch: SameKeys<ScheduleView, Schedule> = true;
const auditKeysMatch: SameKeys<AdminAuditView, AdminAuditEntry> = true;

const at = new Date('2026-01-02T03:04:05.678Z');
const projection: RunProjection = {
  id: 'run_01TEST',
  tenantId: 'default',
  name: 'hello',
  mode: 'plan',
  status: 'failed',
  tags: ['smoke'],
  tools: ['builtin.echo'],
  spec: { tags: ['smoke'], name: 'hello', plan: { steps: [{ id: 'say', tool: 'builtin.echo', args: { message: 'hi' } }] } },
  specHash: 'hash',
  idempotencyKey: null,
  parentRunId: null,
  originRunId: null,
  output: { say: { message: 'hi' } },
  currentStep: 'say',
  pendingApprovals: 0,
  toolCalls: { started: 2, succeeded: 1, failed: 1 },
  usage: { inputTokens: 30, outputTokens: 12, cachedInputTokens: 10, totalTokens: 42, costUsd: 0.000021, unpricedCalls: 0 },
  lastError: { message: 'boom', errorClass: 'ServerError', retryable: true, nextRetryDelayMs: 1000 },
  createdBy: { type: 'api_key', id: 'admin', role: 'admin', ip: '127.0.0.1' },
  lastSeq: 9,
  lastHash: 'h9',
  createdAt: at,
  updatedAt: at,
  startedAt: at,
  completedAt: null,
};
const context = { temporalUiUrl: 'http://localhost:8233', namespace: 'default' };
const overJson = <T>(value: T): unknown => JSON.parse(JSON.stringify(value));

describe('client schemas mirror the API presenters', () => {
  it('has the same keys as each presenter (checked by tsc above)', () => {
    expect([runKeysMatch, apiKeyKeysMatch, toolKeysMatch, scheduleKeysMatch, auditKeysMatch]).toEqual([true, true, true, true, true]);
  });

  it('reads a presented run, with and without its spec, losing nothing', () => {
    const listed = presentRun(context, projection, { withSpec: false });
    const typedRun: Run = runSchema.parse(overJson(listed));
    expect(typedRun).toEqual(overJson(listed));

    const detailed = presentRun(context, projection, { withSpec: true });
    const typedDetail: RunDetail = runDetailSchema.parse(overJson(detailed));
    expect(typedDetail).toEqual(overJson(detailed));
  });

  it('reads every tool the registry describes, and an API key view', async () => {
    for (const tool of (await createToolRegistry()).describe()) expect(toolSchema.parse(overJson(tool))).toEqual(overJson(tool));
    const view: ApiKeyView = {
      id: 'key_1',
      tenantId: 'default',
      name: 'ci',
      role: 'operator',
      createdAt: at.toISOString(),
      revokedAt: null,
      createdBy: { type: 'api_key', id: 'admin', role: 'admin' },
    };
    expect(apiKeySchema.parse(view)).toEqual(view);
  });
});
