/**
 * Response bodies of the REST API (the ws stream's frames are in lib/stream.ts), as zod schemas that mirror
 * the API's presenters (api/presenters.ts, domains/keys/api-keys.ts, tools/registry.ts).
 * Objects strip unknown keys, so a newer API that adds a field does not break an older client;
 * schemas.test.ts fails when a presenter and its schema drift apart.
 */
import { z } from 'zod';
import { actorSchema, approvalStatusSchema, runEventSchema, runStatusSchema } from '../events';
import { runFailureSchema } from '../event-schemas';
import { roleSchema, runModes, runSpecSchema } from '../run-spec';

const isoTime = z.iso.datetime({ offset: true });

/**
 * Model calls' tokens and cost together (a run's, a tenant's day): `costUsd` is null when any of
 * the calls had no price (lib/model-prices.ts), since their sum would be a guess; `pricedCostUsd`
 * is what the priced ones cost.
 */
export const usageTotalsSchema = z.object({
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cachedInputTokens: z.number().int(),
  totalTokens: z.number().int(),
  costUsd: z.number().nullable(),
  pricedCostUsd: z.number(),
  unpricedCalls: z.number().int(),
});
export type UsageTotals = z.infer<typeof usageTotalsSchema>;

/** A run as lists, control routes and the runs-list stream show it (no spec). */
export const runSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  mode: z.enum(runModes),
  status: runStatusSchema,
  tags: z.array(z.string()),
  currentStep: z.string().nullable(),
  pendingApprovals: z.number().int(),
  toolCalls: z.object({ started: z.number().int(), succeeded: z.number().int(), failed: z.number().int() }),
  /** Its model calls' tokens and cost. */
  usage: usageTotalsSchema,
  /** The failure the run last recorded; `step` names the step a run failed at. */
  lastError: runFailureSchema.nullable(),
  output: z.unknown(),
  createdBy: actorSchema.nullable(),
  /** The run whose `ctx.run` started this one (`GET /v1/runs?parentRunId=` lists a run's children); null otherwise. */
  parentRunId: z.string().nullable(),
  /** The run this replay or fork reuses the results of (`GET /v1/runs?originRunId=` lists a run's replays and forks); null otherwise. */
  originRunId: z.string().nullable(),
  lastSeq: z.number().int(),
  createdAt: isoTime,
  updatedAt: isoTime,
  startedAt: isoTime.nullable(),
  completedAt: isoTime.nullable(),
  temporalUrl: z.url({ protocol: /^https?$/ }),
});
export type Run = z.infer<typeof runSchema>;

/** A run as `GET /v1/runs/:id` and `POST /v1/runs` show it: with the spec as the API stored it. */
export const runDetailSchema = runSchema.extend({ spec: runSpecSchema });
export type RunDetail = z.infer<typeof runDetailSchema>;

export const runBodySchema = z.object({ run: runSchema });
export const runDetailBodySchema = z.object({ run: runDetailSchema });

export const runListSchema = z.object({ runs: z.array(runSchema), nextCursor: z.string().nullable() });
export type RunList = z.infer<typeof runListSchema>;

export const eventPageSchema = z.object({
  events: z.array(runEventSchema),
  /** Pass as `afterSeq` to read the next page. */
  nextAfterSeq: z.number().int(),
  /** The run's last seq when the page was read: there is more while `nextAfterSeq < lastSeq`. */
  lastSeq: z.number().int(),
});
export type EventPage = z.infer<typeof eventPageSchema>;

const toolCallPolicySchema = z.object({
  startToCloseTimeout: z.string(),
  heartbeatTimeout: z.string().optional(),
  retry: z.object({
    maximumAttempts: z.number(),
    initialInterval: z.string(),
    backoffCoefficient: z.number(),
    maximumInterval: z.string(),
    nonRetryableErrorTypes: z.array(z.string()),
  }),
});

export const toolSchema = z.object({
  name: z.string(),
  provider: z.string(),
  description: z.string(),
  /** The JSON Schema of the tool's args. */
  inputSchema: z.unknown(),
  requiresApproval: z.boolean(),
  idempotent: z.boolean(),
  defaults: toolCallPolicySchema,
});
export type Tool = z.infer<typeof toolSchema>;
export const toolListSchema = z.object({ tools: z.array(toolSchema) });

/** A run definition (`defineRun`) as `GET /v1/definitions` lists it. */
export const definitionSchema = z.object({
  name: z.string(),
  description: z.string().nullable(),
  /** The JSON Schema of the definition's input (`z.toJSONSchema`): what `POST /v1/runs { definition, input }` is checked against. */
  inputSchema: z.unknown(),
  /** The JSON Schema of its output; null when it declares none. */
  outputSchema: z.unknown(),
  defaults: z.object({ limits: z.record(z.string(), z.unknown()).optional(), tags: z.array(z.string()).optional() }),
});
export type Definition = z.infer<typeof definitionSchema>;
export const definitionListSchema = z.object({ definitions: z.array(definitionSchema) });

export const apiKeySchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  name: z.string(),
  role: roleSchema,
  createdAt: isoTime,
  revokedAt: isoTime.nullable(),
  createdBy: actorSchema.nullable(),
});
export type ApiKey = z.infer<typeof apiKeySchema>;

/** `key` is the secret itself: the API shows it this once and stores only its hash. */
export const createdApiKeySchema = z.object({ key: z.string(), apiKey: apiKeySchema });
export type CreatedApiKey = z.infer<typeof createdApiKeySchema>;
export const apiKeyListSchema = z.object({ keys: z.array(apiKeySchema) });
export const apiKeyBodySchema = z.object({ apiKey: apiKeySchema });

/** A tenant's MCP server as the API serves it (domains/mcp-servers): the names of its headers, never their values. */
export const mcpServerSchema = z.object({
  name: z.string(),
  url: z.string(),
  headerNames: z.array(z.string()),
  timeout: z.string().nullable(),
  retryToolErrors: z.boolean(),
  createdAt: isoTime,
  createdBy: actorSchema,
});
export type McpServerView = z.infer<typeof mcpServerSchema>;
export const mcpServerBodySchema = z.object({ mcpServer: mcpServerSchema });
export const mcpServerListSchema = z.object({ mcpServers: z.array(mcpServerSchema) });

/** A schedule as domains/schedules/schedules.ts presents it. */
export const scheduleSchema = z.object({
  id: z.string(),
  cron: z.string().nullable(),
  every: z.string().nullable(),
  timezone: z.string().nullable(),
  spec: runSpecSchema,
  paused: z.boolean(),
  note: z.string().nullable(),
  nextRunTimes: z.array(isoTime),
  recentRuns: z.array(z.object({ scheduledAt: isoTime, runId: z.string() })),
  createdBy: actorSchema,
  createdAt: isoTime,
  temporalUrl: z.string(),
});
export type Schedule = z.infer<typeof scheduleSchema>;
export const scheduleBodySchema = z.object({ schedule: scheduleSchema });
export const scheduleListSchema = z.object({ schedules: z.array(scheduleSchema) });
export const scheduleDeletedSchema = z.object({ deleted: z.string() });

/** One row of the admin audit trail (lib/admin-audit.ts); `action` stays a string so new actions do not break old clients. */
export const adminAuditEntrySchema = z.object({
  id: z.string(),
  tenantId: z.string().nullable(),
  at: isoTime,
  actor: actorSchema,
  ip: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AdminAuditEntry = z.infer<typeof adminAuditEntrySchema>;
export const adminAuditPageSchema = z.object({ entries: z.array(adminAuditEntrySchema), nextBeforeId: z.string().nullable() });
export type AdminAuditPage = z.infer<typeof adminAuditPageSchema>;

export const healthSchema = z.object({ status: z.literal('ok') });
export type Health = z.infer<typeof healthSchema>;
export const readinessSchema = z.object({
  status: z.literal('ready'),
  checks: z.object({ database: z.string(), temporal: z.string() }),
});
export type Readiness = z.infer<typeof readinessSchema>;

/** An approval as `GET /v1/approvals` and the decision route show it (domains/approvals/approvals.ts presentApproval). */
export const approvalSchema = z.object({
  id: z.string(),
  runId: z.string(),
  stepId: z.string(),
  /** The tool the gate holds; null for a definition's own gate (`ctx.approval`). */
  tool: z.string().nullable(),
  /** What a tool-less gate asks; null for a tool's gate. */
  title: z.string().nullable(),
  /** The args as the step asked (a tool-less gate: its `data`). */
  args: z.record(z.string(), z.unknown()),
  /** The args up for decision now: the latest edit, else `args`. An approval approves exactly these. */
  currentArgs: z.record(z.string(), z.unknown()),
  /** `sha256:<hex>` of `currentArgs`' canonical JSON: send it with a decision; a stale one is a 409. */
  argsHash: z.string(),
  /** Approvals of `currentArgs` so far (an edit restarts the count). */
  approvals: z.number().int(),
  approvers: z.array(z.string()),
  required: z.number().int(),
  onTimeout: z.string(),
  deadline: isoTime,
  status: approvalStatusSchema,
  submissions: z.array(
    z.object({
      decision: z.enum(['approve', 'reject']),
      comment: z.string().nullable(),
      args: z.record(z.string(), z.unknown()).nullable(),
      /** The argsHash the decision was for (absent before decisions were bound to args). */
      argsHash: z.string().nullable().optional(),
      actor: actorSchema.nullable(),
      at: z.string(),
    }),
  ),
  decision: z.record(z.string(), z.unknown()).nullable(),
  requestedAt: isoTime,
  decidedAt: isoTime.nullable(),
});
export type Approval = z.infer<typeof approvalSchema>;
export const approvalListSchema = z.object({ approvals: z.array(approvalSchema) });
export const approvalBodySchema = z.object({ approval: approvalSchema });

/** Composio's connected-account statuses, as the API filters by them and the dashboard colours them. */
export const composioConnectionStatuses = ['INITIALIZING', 'INITIATED', 'ACTIVE', 'FAILED', 'EXPIRED', 'INACTIVE', 'REVOKED'] as const;
export type ComposioConnectionStatus = (typeof composioConnectionStatuses)[number];

/**
 * A Composio connected account as `GET /v1/connections` shows it (domains/connections/composio-accounts.ts ConnectionView).
 * `status` stays a string: a status Composio adds later must not break the client.
 */
export const connectionSchema = z.object({
  id: z.string(),
  userId: z.string(),
  toolkit: z.string(),
  status: z.string(),
  statusReason: z.string().nullable(),
  authConfigId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Connection = z.infer<typeof connectionSchema>;
export const connectionListSchema = z.object({ connections: z.array(connectionSchema) });
/** `POST /v1/connections`: send the user to `redirectUrl`; the account turns ACTIVE when they finish. */
export const startedConnectionSchema = z.object({ connection: z.object({ id: z.string(), status: z.string(), redirectUrl: z.string().nullable() }) });
export type StartedConnection = z.infer<typeof startedConnectionSchema>['connection'];
export const resumedRunsSchema = z.object({ resumed: z.array(z.object({ runId: z.string(), toolkit: z.string(), connectedAccountId: z.string() })) });
export type ResumedRun = z.infer<typeof resumedRunsSchema>['resumed'][number];
/** `GET /v1/me`: who the key is. */
export const principalSchema = z.object({ tenantId: z.string(), role: roleSchema, superAdmin: z.boolean(), actor: actorSchema });
export type Principal = z.infer<typeof principalSchema>;

/** `GET /v1/runs/counts`: runs matching the filters, by status (statuses with none are left out). */
export const runCountsSchema = z.object({ counts: z.partialRecord(runStatusSchema, z.number().int()), total: z.number().int() });
export type RunCounts = z.infer<typeof runCountsSchema>;

/** `GET /v1/runs/:id/verify`: the run's hash chain recomputed from the stored rows (lib/verify-chain.ts). */
export const runVerificationSchema = z.object({
  runId: z.string(),
  ok: z.boolean(),
  chain: z.object({
    ok: z.boolean(),
    events: z.number().int(),
    lastHash: z.string().nullable().optional(),
    firstBroken: z
      .object({
        seq: z.number().int(),
        reason: z.string(),
        expected: z.union([z.string(), z.number()]).nullable(),
        actual: z.union([z.string(), z.number()]).nullable(),
      })
      .optional(),
  }),
  head: z.object({ ok: z.boolean() }),
});
export type RunVerification = z.infer<typeof runVerificationSchema>;

/** `GET /v1/usage`: a tenant's model usage per UTC day, days without calls left out, oldest first. */
export const dailyUsageSchema = z.object({
  from: z.iso.date(),
  to: z.iso.date(),
  days: z.array(usageTotalsSchema.extend({ day: z.iso.date(), modelCalls: z.number().int() })),
});
export type DailyUsage = z.infer<typeof dailyUsageSchema>;

/** `GET /v1/budget`, `PUT /v1/budget`: the tenant's monthly budget (null: none) and what this UTC month spent. */
export const tenantBudgetSchema = z.object({
  monthlyUsd: z.number().nullable(),
  month: z.string().regex(/^\d{4}-\d{2}$/),
  spentUsd: z.number(),
  unpricedCalls: z.number().int(),
  remainingUsd: z.number().nullable(),
  updatedAt: isoTime.nullable(),
});
export type TenantBudget = z.infer<typeof tenantBudgetSchema>;
