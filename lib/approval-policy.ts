import { msToNumber } from '@temporalio/common/lib/time';
import { z } from 'zod';
import { jsonEnv } from './json-env';
import { roleRank } from './roles';
import { durationSchema, roleSchema, runModes, type ApprovalOptions, type RunMode } from './run-spec';
import { approvalPolicyOf, type ApprovalPolicy } from './workflow-contract';

/**
 * The installation's approval gates (FLIGHTDECK_APPROVAL_POLICY): tool calls that wait for a human
 * whatever the run spec says. A spec may add gates and tighten these (more approvers, higher roles,
 * a shorter timeout), never remove or loosen them: `resolveRunPolicies` refuses such a spec (422).
 */
const toolPatternSchema = z.string().regex(/^[a-z][a-z0-9_]*\.(\*|[A-Za-z0-9_]+)$/, 'must be a tool name ("builtin.http_request") or "<provider>.*"');

export const installationGateSchema = z
  .object({
    /** Tool names, or `<provider>.*` for all of a provider's tools. */
    tools: z.array(toolPatternSchema).min(1),
    /** The run modes the gate applies in (default all: plan, agent, definition). */
    modes: z
      .array(z.enum(runModes))
      .min(1)
      .default([...runModes]),
    /** Leave out tools their provider marks read-only (Composio's `readOnlyHint`). */
    exceptReadOnly: z.boolean().default(false),
    approvers: z.array(roleSchema).min(1).default(['approver']),
    required: z.number().int().min(1).max(10).default(1),
    timeout: durationSchema.default('24h'),
    /** A gate of the installation never approves by itself. */
    onTimeout: z.enum(['reject', 'fail']).default('reject'),
    /** Whether a run spec may let the run's creator approve its own calls. */
    allowSelfApproval: z.boolean().default(false),
  })
  .strict();
export type InstallationGate = z.infer<typeof installationGateSchema>;

export const installationApprovalPolicySchema = z.object({ gates: z.array(installationGateSchema).max(100) }).strict();
export type InstallationApprovalPolicy = z.infer<typeof installationApprovalPolicySchema>;

/** Unset FLIGHTDECK_APPROVAL_POLICY: agents' HTTP requests and Composio tools that may write wait for an approver. */
export const defaultInstallationApprovalPolicy: InstallationApprovalPolicy = installationApprovalPolicySchema.parse({
  gates: [
    { tools: ['builtin.http_request'], modes: ['agent'] },
    { tools: ['composio.*'], modes: ['agent'], exceptReadOnly: true },
  ],
});

/** FLIGHTDECK_APPROVAL_POLICY: JSON of `installationApprovalPolicySchema`; unset or empty is the default. */
export const approvalPolicyEnv = jsonEnv(installationApprovalPolicySchema, defaultInstallationApprovalPolicy).describe(
  'Approval gates a run spec cannot remove or loosen (JSON: `{"gates":[{"tools":["builtin.http_request","composio.*"],"modes":["agent"],"exceptReadOnly":true,"approvers":["approver"],"required":1,"timeout":"24h","onTimeout":"reject","allowSelfApproval":false}]}`, docs/runs.md). Unset: agent runs gate `builtin.http_request` and every Composio tool not marked read-only; `{"gates":[]}`: none.',
);

const matches = (pattern: string, tool: string) => (pattern.endsWith('.*') ? tool.startsWith(pattern.slice(0, -1)) : pattern === tool);

/** The installation's gates on a tool in a mode, folded into the strictest one; undefined when none applies. */
export function installationGateFor(
  policy: InstallationApprovalPolicy,
  tool: { name: string; readOnly?: boolean },
  mode: RunMode,
): InstallationGate | undefined {
  const gates = policy.gates.filter(
    (gate) => gate.modes.includes(mode) && !(gate.exceptReadOnly && tool.readOnly) && gate.tools.some((pattern) => matches(pattern, tool.name)),
  );
  if (gates.length === 0) return undefined;
  return gates.reduce((a, b) => ({
    ...a,
    approvers: lowestRank(b.approvers) > lowestRank(a.approvers) ? b.approvers : a.approvers,
    required: Math.max(a.required, b.required),
    timeout: msToNumber(b.timeout) < msToNumber(a.timeout) ? b.timeout : a.timeout,
    onTimeout: a.onTimeout === 'fail' || b.onTimeout === 'fail' ? 'fail' : 'reject',
    allowSelfApproval: a.allowSelfApproval && b.allowSelfApproval,
  }));
}

const lowestRank = (roles: readonly ApprovalPolicy['approvers'][number][]) => Math.min(...roles.map((role) => roleRank[role]));
const onTimeoutStrength = { approve: 0, reject: 1, fail: 2 } as const;

/**
 * A call's approval gate from the spec's setting (`true`, `false`, options, or none) and the
 * installation's gate on it. Whatever the spec would loosen is a problem, never silently kept.
 */
export function resolveApproval(
  setting: boolean | ApprovalOptions | undefined,
  gate: InstallationGate | undefined,
): { approval?: ApprovalPolicy; problems: string[] } {
  if (!gate) {
    if (setting === undefined || setting === false) return { problems: [] };
    return { approval: approvalPolicyOf(typeof setting === 'object' ? setting : {}), problems: [] };
  }
  if (setting === false) return { problems: ['the installation gates this tool (FLIGHTDECK_APPROVAL_POLICY): a run spec cannot turn its approval off'] };
  const options = typeof setting === 'object' ? setting : {};
  const problems: string[] = [];
  const loosens = (what: string, spec: unknown, installation: unknown) =>
    problems.push(`${what} ${JSON.stringify(spec)} is looser than the installation's ${JSON.stringify(installation)} (FLIGHTDECK_APPROVAL_POLICY)`);
  if (options.approvers && lowestRank(options.approvers) < lowestRank(gate.approvers)) loosens('approvers', options.approvers, gate.approvers);
  if (options.required !== undefined && options.required < gate.required) loosens('required', options.required, gate.required);
  if (options.timeout && msToNumber(options.timeout) > msToNumber(gate.timeout)) loosens('timeout', options.timeout, gate.timeout);
  if (options.onTimeout && onTimeoutStrength[options.onTimeout] < onTimeoutStrength[gate.onTimeout]) loosens('onTimeout', options.onTimeout, gate.onTimeout);
  if (options.allowSelfApproval && !gate.allowSelfApproval) loosens('allowSelfApproval', true, false);
  const allowSelfApproval = options.allowSelfApproval ?? false;
  return {
    approval: {
      approvers: options.approvers ?? gate.approvers,
      required: options.required ?? gate.required,
      timeout: options.timeout ?? gate.timeout,
      onTimeout: options.onTimeout ?? gate.onTimeout,
      ...(allowSelfApproval ? { allowSelfApproval: true } : {}),
    },
    problems,
  };
}
