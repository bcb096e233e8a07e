import type { ToolRegistry } from '../../tools/registry';
import type { ToolDefinition } from '../../tools/tool';
import { defaultInstallationApprovalPolicy, installationGateFor, resolveApproval, type InstallationApprovalPolicy } from '../../lib/approval-policy';
import { AppError, describeIssues } from '../../lib/errors';
import type { PlanStep, RunSpec, ToolCallOptions } from '../../lib/run-spec';
import { collectReferences } from '../../lib/templates';
import { modelToolName, type ToolCallPolicy } from '../../lib/workflow-contract';
import { checkPlanReferences } from './check-plan';

type Problem = { path: string; message: string };
type AgentSpec = NonNullable<RunSpec['agent']>;

/**
 * Checks what the schema cannot — tools exist, references resolve, no cycles (check-plan.ts), literal args fit the
 * tool — and resolves each step's (or agent tool's) retry policy from the tool's defaults and the
 * step's overrides. Approval gates combine the spec's with the installation's (FLIGHTDECK_APPROVAL_POLICY),
 * which a spec may tighten but not remove or loosen. Anything wrong is one 422 listing every
 * problem, before any workflow starts.
 */
export function resolveRunPolicies(
  spec: RunSpec,
  tools: ToolRegistry,
  installation: InstallationApprovalPolicy = defaultInstallationApprovalPolicy,
): Record<string, ToolCallPolicy> {
  const problems: Problem[] = [];
  const policies: Record<string, ToolCallPolicy> = {};
  if (spec.plan) {
    spec.plan.steps.forEach((step, index) => {
      const tool = tools.get(step.tool);
      if (!tool) {
        problems.push({ path: `plan.steps.${index}.tool`, message: `unknown tool "${step.tool}" (GET /v1/tools lists them)` });
        return;
      }
      const connectionTimeout = step.connectionTimeout ?? spec.limits?.connectionTimeout;
      const { approval, problems: gateProblems } = resolveApproval(step.approval ?? toolDefault(tool), installationGateFor(installation, tool, 'plan'));
      problems.push(...gateProblems.map((message) => ({ path: `plan.steps.${index}.approval`, message: `${step.tool}: ${message}` })));
      policies[step.id] = { ...policyFor(tool, step), ...(approval ? { approval } : {}), ...(connectionTimeout ? { connectionTimeout } : {}) };
      problems.push(...checkLiteralArgs(tool, step, index));
    });
    problems.push(...checkPlanReferences(spec));
  }
  if (spec.agent) {
    const agent = resolveAgentToolPolicies(spec.agent, spec.limits, tools, installation);
    problems.push(...agent.problems);
    Object.assign(policies, agent.policies);
  }
  problems.push(...checkComposioUser(spec));
  if (problems.length > 0) {
    throw new AppError('validation_failed', 'the run spec cannot run as written', problems, { status: 422 });
  }
  return policies;
}

/**
 * The policies of an agent's tools, by tool name: the tool's defaults, the gates the agent asks for
 * (`approvalRequired`, with `approval`'s settings) and the installation's gates of agent mode (a
 * model decides the args). Agent mode resolves them at start, `ctx.agent` when it is called
 * (the resolveAgentTools activity); problems carry their path under `agent.`.
 */
export function resolveAgentToolPolicies(
  agent: Pick<AgentSpec, 'tools' | 'approvalRequired' | 'approval'>,
  limits: RunSpec['limits'],
  tools: ToolRegistry,
  installation: InstallationApprovalPolicy = defaultInstallationApprovalPolicy,
): { policies: Record<string, ToolCallPolicy>; problems: Problem[] } {
  const problems: Problem[] = [];
  const policies: Record<string, ToolCallPolicy> = {};
  agent.tools.forEach((name, index) => {
    const tool = tools.get(name);
    if (!tool) {
      problems.push({ path: `agent.tools.${index}`, message: `unknown tool "${name}" (GET /v1/tools lists them)` });
      return;
    }
    // agent.approval sets the gates the spec asks for; a tool only the installation gates gets its gate as configured.
    const asked = agent.approvalRequired?.includes(name) ? (agent.approval ?? true) : toolDefault(tool);
    const { approval, problems: gateProblems } = resolveApproval(asked, installationGateFor(installation, tool, 'agent'));
    problems.push(...gateProblems.map((message) => ({ path: 'agent.approval', message: `${name}: ${message}` })));
    policies[name] = {
      ...policyFor(tool),
      ...(approval ? { approval } : {}),
      ...(limits?.connectionTimeout ? { connectionTimeout: limits.connectionTimeout } : {}),
    };
  });
  (agent.approvalRequired ?? []).forEach((name, index) => {
    if (!agent.tools.includes(name)) problems.push({ path: `agent.approvalRequired.${index}`, message: `"${name}" is not one of the agent's tools` });
  });
  problems.push(...checkModelToolNames(agent.tools));
  return { policies, problems };
}

/** A `ctx.agent` call's tools, as agent mode resolves them at start: their policies, or every problem in one line. */
export function resolveAgentCallPolicies(
  agent: Pick<AgentSpec, 'tools' | 'approvalRequired' | 'approval'>,
  spec: Pick<RunSpec, 'userId' | 'limits'>,
  tools: ToolRegistry,
  installation: InstallationApprovalPolicy = defaultInstallationApprovalPolicy,
): { policies: Record<string, ToolCallPolicy> } | { problem: string } {
  const { policies, problems } = resolveAgentToolPolicies(agent, spec.limits, tools, installation);
  problems.push(...checkComposioUser({ userId: spec.userId, agent }));
  if (problems.length > 0) return { problem: problems.map((problem) => problem.message).join('; ') };
  return { policies };
}

/**
 * One `ctx.tool` call of a definition run, resolved as a plan step's would be: the tool's defaults,
 * the call's overrides, the installation's gates. The workflow asks for it (resolveToolCall, a
 * local activity) the first time it calls a tool with these options; a problem fails the call.
 */
export function resolveToolCallPolicy(
  spec: Pick<RunSpec, 'userId' | 'limits'>,
  tool: ToolDefinition,
  options: ToolCallOptions,
  installation: InstallationApprovalPolicy = defaultInstallationApprovalPolicy,
): { policy: ToolCallPolicy } | { problem: string } {
  if (isComposioTool(tool.name) && !spec.userId) return { problem: `${tool.name} acts for a Composio user: give the run a "userId"` };
  const { approval, problems } = resolveApproval(options.approval ?? toolDefault(tool), installationGateFor(installation, tool, 'definition'));
  if (problems.length > 0) return { problem: `${tool.name}: ${problems.join('; ')}` };
  const connectionTimeout = options.connectionTimeout ?? spec.limits?.connectionTimeout;
  return { policy: { ...policyFor(tool, options), ...(approval ? { approval } : {}), ...(connectionTimeout ? { connectionTimeout } : {}) } };
}

/** Chat-completions function names are at most this long. */
const modelToolNameMaxLength = 64;

/**
 * The model calls a tool by its function name (`.` → `__`, lib/workflow-contract.ts), and the agent
 * finds the tool again by that name: two tools of one agent must not share it (`mcp.a.b__c` and
 * `mcp.a.b.c` would), and it must fit the model API's limit.
 */
function checkModelToolNames(names: readonly string[]): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  names.forEach((name, index) => {
    const functionName = modelToolName(name);
    const other = seen.get(functionName);
    if (other !== undefined && other !== name) {
      problems.push({ path: `agent.tools.${index}`, message: `"${name}" and "${other}" are both offered to the model as "${functionName}": keep one` });
    }
    seen.set(functionName, name);
    if (functionName.length > modelToolNameMaxLength) {
      problems.push({
        path: `agent.tools.${index}`,
        message: `"${name}" is offered to the model as "${functionName}", longer than the ${modelToolNameMaxLength} characters model APIs allow`,
      });
    }
  });
  return problems;
}

/** A tool that asks for approval by default is a gate the spec set; one that does not leaves it unset (not `false`). */
const toolDefault = (tool: ToolDefinition): true | undefined => (tool.requiresApproval ? true : undefined);

const isComposioTool = (name: string) => name.startsWith('composio.');

/** Composio tools act for a Composio user: a run that uses one must say whose accounts (`userId`). */
function checkComposioUser(spec: Pick<RunSpec, 'userId' | 'plan'> & { agent?: Pick<AgentSpec, 'tools'> }): Problem[] {
  if (spec.userId) return [];
  const used = spec.plan
    ? spec.plan.steps.flatMap((step, index) => (isComposioTool(step.tool) ? [{ path: `plan.steps.${index}.tool`, tool: step.tool }] : []))
    : (spec.agent?.tools ?? []).flatMap((tool, index) => (isComposioTool(tool) ? [{ path: `agent.tools.${index}`, tool }] : []));
  if (used.length === 0) return [];
  return [{ path: 'userId', message: `${used.map((use) => use.tool).join(', ')} act for a Composio user: give the run a "userId"` }];
}

function policyFor(tool: ToolDefinition, step?: Pick<PlanStep, 'timeout' | 'retry'>): ToolCallPolicy {
  const defaults = tool.defaults;
  return {
    ...(tool.short ? { local: true } : {}),
    startToCloseTimeout: step?.timeout ?? defaults.startToCloseTimeout,
    heartbeatTimeout: defaults.heartbeatTimeout,
    retry: {
      maximumAttempts: step?.retry?.maxAttempts ?? defaults.retry.maximumAttempts,
      initialInterval: step?.retry?.initialInterval ?? defaults.retry.initialInterval,
      backoffCoefficient: step?.retry?.backoffCoefficient ?? defaults.retry.backoffCoefficient,
      maximumInterval: step?.retry?.maximumInterval ?? defaults.retry.maximumInterval,
      nonRetryableErrorTypes: defaults.retry.nonRetryableErrorTypes,
    },
  };
}

/** Args without templates are known now: check them against the tool's input schema. */
function checkLiteralArgs(tool: ToolDefinition, step: PlanStep, index: number): Problem[] {
  if (collectReferences(step.args).length > 0) return [];
  const parsed = tool.inputSchema.safeParse(step.args);
  if (parsed.success) return [];
  return describeIssues(parsed.error).map((issue) => ({
    path: `plan.steps.${index}.args${issue.path === '(root)' ? '' : `.${issue.path}`}`,
    message: issue.message,
  }));
}
