import { workerEnvSchema } from '../worker/env';
import { apiEnvSchema } from '../api/env';
import { approvalPolicyEnv, defaultInstallationApprovalPolicy, installationGateFor, resolveApproval } from './approval-policy';
import { ConfigError, parseEnv } from './config';

describe('the installation approval policy (FLIGHTDECK_APPROVAL_POLICY)', () => {
  it('gates agents’ HTTP requests and Composio tools that may write by default, nothing in plan mode', () => {
    const policy = approvalPolicyEnv.parse(undefined);
    expect(policy).toEqual(defaultInstallationApprovalPolicy);
    expect(installationGateFor(policy, { name: 'builtin.http_request' }, 'agent')).toMatchObject({ approvers: ['approver'], required: 1, onTimeout: 'reject' });
    expect(installationGateFor(policy, { name: 'composio.GITHUB_CREATE_AN_ISSUE', readOnly: false }, 'agent')).toBeDefined();
    expect(installationGateFor(policy, { name: 'composio.GITHUB_GET_A_REPOSITORY', readOnly: true }, 'agent')).toBeUndefined();
    expect(installationGateFor(policy, { name: 'builtin.http_request' }, 'plan')).toBeUndefined();
    expect(installationGateFor(policy, { name: 'builtin.echo' }, 'agent')).toBeUndefined();
    expect(approvalPolicyEnv.parse('{"gates":[]}')).toEqual({ gates: [] });
  });

  it('is refused at boot when it is not valid, naming the problem', () => {
    const base = { DATABASE_URL: 'postgres://x@127.0.0.1/x', FLIGHTDECK_ADMIN_KEY: 'k'.repeat(16) };
    for (const [value, problem] of [
      ['{nope', 'must be JSON'],
      ['{"gates":[{"tools":["http_request"]}]}', 'gates.0.tools.0: must be a tool name'],
      ['{"gates":[{"tools":["builtin.echo"],"onTimeout":"approve"}]}', 'gates.0.onTimeout'],
    ] as const) {
      for (const schema of [apiEnvSchema, workerEnvSchema]) {
        const error = (() => {
          try {
            parseEnv(schema, { ...base, FLIGHTDECK_APPROVAL_POLICY: value });
          } catch (caught) {
            return caught;
          }
          return null;
        })();
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).problems).toEqual([{ path: 'FLIGHTDECK_APPROVAL_POLICY', message: expect.stringContaining(problem) }]);
      }
    }
  });

  it('folds several gates on one tool into the strictest', () => {
    const policy = approvalPolicyEnv.parse(
      JSON.stringify({
        gates: [
          { tools: ['builtin.*'], required: 2, timeout: '1h' },
          { tools: ['builtin.echo'], approvers: ['admin'], timeout: '2h', onTimeout: 'fail', allowSelfApproval: true },
        ],
      }),
    );
    expect(installationGateFor(policy, { name: 'builtin.echo' }, 'plan')).toMatchObject({
      approvers: ['admin'],
      required: 2,
      timeout: '1h',
      onTimeout: 'fail',
      allowSelfApproval: false,
    });
  });

  it('lets a spec tighten a gate, never remove or loosen it', () => {
    const gate = installationGateFor(
      approvalPolicyEnv.parse('{"gates":[{"tools":["builtin.echo"],"required":2,"timeout":"1h"}]}'),
      { name: 'builtin.echo' },
      'plan',
    );
    expect(resolveApproval(undefined, gate)).toEqual({ approval: { approvers: ['approver'], required: 2, timeout: '1h', onTimeout: 'reject' }, problems: [] });
    expect(resolveApproval({ required: 3, approvers: ['admin'], timeout: '5m', onTimeout: 'fail' }, gate)).toEqual({
      approval: { approvers: ['admin'], required: 3, timeout: '5m', onTimeout: 'fail' },
      problems: [],
    });
    expect(resolveApproval(false, gate).problems).toEqual([expect.stringContaining('cannot turn its approval off')]);
    expect(resolveApproval({ required: 1, approvers: ['operator'], timeout: '2h', onTimeout: 'approve', allowSelfApproval: true }, gate).problems).toEqual([
      expect.stringContaining('approvers ["operator"] is looser'),
      expect.stringContaining('required 1 is looser'),
      expect.stringContaining('timeout "2h" is looser'),
      expect.stringContaining('onTimeout "approve" is looser'),
      expect.stringContaining('allowSelfApproval true is looser'),
    ]);
    // Without an installation gate, the spec's own settings stand as written.
    expect(resolveApproval({ allowSelfApproval: true, onTimeout: 'approve' }, undefined).approval).toMatchObject({
      allowSelfApproval: true,
      onTimeout: 'approve',
    });
    expect(resolveApproval(false, undefined)).toEqual({ problems: [] });
  });
});
