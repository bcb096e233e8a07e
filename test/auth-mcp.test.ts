import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { flightdeckTools } from '../api/mcp/tools';
import { callAs, typesOf, waitForEvents } from './run-helpers';
import { useTestStack } from './stack';

/**
 * The authorization matrix of test/auth.test.ts, over MCP: every tool and the run resource × role ×
 * own/other tenant, through the SDK's client. A role below the tool's is a `forbidden` tool error,
 * another tenant's run or approval is `not_found`, and nothing is ever an unauthorized success.
 */
type Role = 'viewer' | 'operator' | 'approver' | 'admin';
const roles: Role[] = ['viewer', 'operator', 'approver', 'admin'];
const napPlan = { plan: { steps: [{ id: 'nap', tool: 'builtin.wait', args: { seconds: 300 } }] } };
/** Approved, it still naps: the run stays alive for the later calls of the matrix. */
const gatedNap = { plan: { steps: [{ id: 'gate', tool: 'builtin.wait', args: { seconds: 300 }, approval: true }] } };

interface Target {
  /** A long run that cancel_run and get_run act on. */
  napping: string;
  /** A definition run that takes chat messages (test/fixtures/definitions/listener.ts). */
  listening: string;
  /** An ended run: wait_for_run answers at once. */
  ended: string;
  /** A run waiting on an approval (approvers: the default, `approver`), and that approval. */
  gated: string;
  approvalId: string;
}

describe('API keys, roles and tenancy over MCP', () => {
  const otherTenant = `mcp-other-${Date.now()}`;
  const keys: Record<string, string> = {};
  const clients = new Map<string, Client>();
  const targets: Record<'own' | 'other', Target> = {} as Record<'own' | 'other', Target>;
  const stack = useTestStack(
    {},
    {
      beforeClose: async () => {
        for (const client of clients.values()) await client.close();
        for (const [target, key] of [
          ['own', stack.adminKey],
          ['other', keys.otherAdmin!],
        ] as const) {
          for (const runId of [targets[target]?.napping, targets[target]?.gated, targets[target]?.listening])
            if (runId) await callAs(stack, key, 'POST', `/v1/runs/${runId}/terminate`, {});
        }
      },
    },
  );

  const createKey = async (role: Role, tenantId?: string) => {
    const created = await stack.request('POST', '/v1/admin/keys', { name: `mcp ${role}`, role, ...(tenantId ? { tenantId } : {}) });
    expect(created.status).toBe(201);
    return created.body.key as string;
  };
  const connect = async (key: string) => {
    const client = new Client({ name: 'flightdeck-mcp-matrix', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${stack.apiUrl}/v1/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }),
    );
    return client;
  };
  const targetsOf = async (key: string): Promise<Target> => {
    const napping = (await callAs(stack, key, 'POST', '/v1/runs', napPlan)).body.run.id as string;
    const listening = (await callAs(stack, key, 'POST', '/v1/runs', { definition: 'listener', input: {} })).body.run.id as string;
    const ended = (await callAs(stack, key, 'POST', '/v1/runs', { plan: { steps: [{ id: 'a', tool: 'builtin.echo', args: {} }] } })).body.run.id as string;
    const gated = (await callAs(stack, key, 'POST', '/v1/runs', gatedNap)).body.run.id as string;
    const requested = await waitForEvents({ stack, key }, gated, (events) => typesOf(events).includes('approval.requested'));
    await waitForEvents({ stack, key }, ended, (events) => typesOf(events).includes('run.completed'));
    const approvalId = requested.find((event) => event.type === 'approval.requested')!.data.approvalId as string;
    await waitForEvents({ stack, key }, listening, (events) => typesOf(events).includes('run.started'));
    return { napping, listening, ended, gated, approvalId };
  };

  beforeAll(async () => {
    for (const role of roles) keys[role] = await createKey(role);
    keys.otherAdmin = await createKey('admin', otherTenant);
    // The own tenant's runs are the stack admin's, so no key of the matrix decides what it started itself.
    targets.own = await targetsOf(stack.adminKey);
    targets.other = await targetsOf(keys.otherAdmin);
    for (const [name, key] of Object.entries(keys)) clients.set(name, await connect(key));
  });

  // needs: the least role that may call it. perRun: it names a run (or its approval), so another tenant's is not found.
  // leaks: for a list, whether the answer shows anything of the other tenant.
  const matrix: Array<{
    tool: string;
    args: (target: Target) => Record<string, unknown>;
    needs: Role;
    perRun: boolean;
    /** The role is checked against the run's own approval, once found: another tenant's is not found, whatever the role. */
    rolePerApproval?: boolean;
    leaks?: (structured: any) => boolean;
  }> = [
    { tool: 'list_definitions', args: () => ({}), needs: 'viewer', perRun: false },
    { tool: 'start_run', args: () => ({ plan: { steps: [{ id: 'a', tool: 'builtin.echo', args: {} }] } }), needs: 'operator', perRun: false },
    { tool: 'get_run', args: (target) => ({ id: target.napping }), needs: 'viewer', perRun: true },
    {
      tool: 'list_runs',
      args: () => ({ limit: 200 }),
      needs: 'viewer',
      perRun: false,
      leaks: (structured) => structured.runs.some((run: { id: string }) => Object.values(targets.other).includes(run.id)),
    },
    { tool: 'wait_for_run', args: (target) => ({ runId: target.ended, timeoutSeconds: 1 }), needs: 'viewer', perRun: true },
    {
      tool: 'list_approvals',
      args: () => ({}),
      needs: 'viewer',
      perRun: false,
      leaks: (structured) => structured.approvals.some((approval: { runId: string }) => Object.values(targets.other).includes(approval.runId)),
    },
    // The approval names its approvers (the default: approver): the route lets any key call, the approval refuses the rest.
    {
      tool: 'decide_approval',
      args: (target) => ({ id: target.gated, approvalId: target.approvalId, decision: 'approve' }),
      needs: 'approver',
      perRun: true,
      rolePerApproval: true,
    },
    { tool: 'send_message', args: (target) => ({ id: target.listening, text: 'hi' }), needs: 'operator', perRun: true },
    { tool: 'cancel_run', args: (target) => ({ id: target.napping }), needs: 'operator', perRun: true },
  ];

  it('covers every tool the server lists', async () => {
    const listed = (await clients.get('viewer')!.listTools()).tools.map((tool) => tool.name);
    expect(listed.sort()).toEqual(flightdeckTools.map((tool) => tool.name).sort());
    expect(matrix.map((row) => row.tool).sort()).toEqual(listed);
  });

  it('enforces the authz matrix over MCP with no unauthorized success', async () => {
    const unauthorizedSuccesses: string[] = [];
    const unexpected: string[] = [];
    const succeeded = new Set<string>();
    for (const row of matrix) {
      for (const target of row.perRun || row.leaks ? (['own', 'other'] as const) : (['own'] as const)) {
        for (const role of roles) {
          const result = (await clients.get(role)!.callTool({ name: row.tool, arguments: row.args(targets[target]) })) as CallToolResult;
          const code = result.isError ? (result.structuredContent as { error: { code: string } }).error.code : 'ok';
          const allowed = roles.indexOf(role) >= roles.indexOf(row.needs);
          // "Allowed" is a success, or a conflict where the run's state forbids the action (a decided approval, a plan run's message).
          const expected = target === 'other' && row.perRun && (allowed || row.rolePerApproval) ? ['not_found'] : !allowed ? ['forbidden'] : ['ok', 'conflict'];
          const label = `${role} ${row.tool} (${target} tenant) → ${code}`;
          if (!expected.includes(code)) unexpected.push(label);
          if (code === 'ok') succeeded.add(row.tool);
          const leaked = target === 'other' && code === 'ok' && row.leaks?.(result.structuredContent) === true;
          if (code === 'ok' && (!allowed || (target === 'other' && row.perRun) || leaked)) unauthorizedSuccesses.push(label);
        }
      }
    }
    expect(unauthorizedSuccesses).toEqual([]);
    expect(unexpected).toEqual([]);
    // Not vacuous: each tool succeeded for a role allowed it, on the own tenant.
    expect([...succeeded].sort()).toEqual(matrix.map((row) => row.tool).sort());
    // Nothing of the other tenant moved: its approval is still pending, its runs still going.
    const otherApprovals = await callAs(stack, keys.otherAdmin!, 'GET', `/v1/approvals?runId=${targets.other.gated}`);
    expect(otherApprovals.body.approvals.map((approval: { status: string }) => approval.status)).toEqual(['pending']);
    expect((await callAs(stack, keys.otherAdmin!, 'GET', `/v1/runs/${targets.other.napping}`)).body.run.status).toBe('running');
    // The leak checks are not vacuous: the other tenant's own lists show what they look for.
    const otherViewer = await connect(keys.otherAdmin!);
    clients.set('otherViewer', otherViewer);
    for (const row of matrix.filter((candidate) => candidate.leaks)) {
      const own = (await otherViewer.callTool({ name: row.tool, arguments: row.args(targets.other) })) as CallToolResult;
      expect(row.leaks!(own.structuredContent)).toBe(true);
    }
  });

  it('scopes the run resource by role and tenant', async () => {
    for (const role of roles) {
      const client = clients.get(role)!;
      const own = await client.readResource({ uri: `run://${targets.own.napping}` });
      expect(JSON.parse((own.contents[0] as { text: string }).text).run.id).toBe(targets.own.napping);
      await expect(client.readResource({ uri: `run://${targets.other.napping}` })).rejects.toBeInstanceOf(McpError);
      const listed = (await client.listResources()).resources.map((resource) => resource.uri);
      expect(listed.filter((uri) => Object.values(targets.other).some((id) => uri === `run://${id}`))).toEqual([]);
    }
  });
});
