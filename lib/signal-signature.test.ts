import { parseKeyList } from './key-list';
import { signSignal, signalSigningInterceptor, verifySignalSignature, withSignalSigning } from './signal-signature';
import type { WorkflowSignalInput } from '@temporalio/client';

const keyOf = (id: string, fill: number) => parseKeyList(`${id}:${Buffer.alloc(32, fill).toString('base64')}`)[0]!;
const current = keyOf('2026-06', 1);
const previous = keyOf('2026-01', 2);
const foreign = keyOf('2026-06', 9);

const decision = {
  approvalId: 'run_1:send',
  decision: 'approve',
  argsHash: `sha256:${'a'.repeat(64)}`,
  actor: { type: 'api_key', id: 'key_1', role: 'approver' },
  tenantId: 't1',
};
const signed = (payload: Record<string, unknown>, key = current, workflowId = 'run_1', signal = 'approval') => ({
  ...payload,
  signature: signSignal(key, workflowId, signal, payload),
});
const verify = (payload: unknown, keys = [current, previous], workflowId = 'run_1', signal: 'approval' | 'message' = 'approval') =>
  verifySignalSignature(keys, { workflowId, signal, payload });

describe('signal signatures', () => {
  it('verifies what the first key signed, and what an older key still listed signed (rotation)', () => {
    expect(verify(signed(decision))).toEqual({ ok: true });
    expect(verify(signed(decision, previous))).toEqual({ ok: true });
    // Canonical JSON: the order keys arrive in after Temporal's round trip does not matter.
    const reordered = Object.fromEntries(Object.entries(signed(decision)).reverse());
    expect(verify(reordered)).toEqual({ ok: true });
  });

  it('refuses an unsigned signal, a retired or foreign key id, and a forged or altered one', () => {
    expect(verify(decision)).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verify('junk')).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verify(signed(decision, keyOf('retired', 3)))).toEqual({ ok: false, reason: 'unknown_signing_key' });
    // The right key id, another key: a guess at the MAC.
    expect(verify(signed(decision, foreign))).toEqual({ ok: false, reason: 'bad_signature' });
    const genuine = signed(decision);
    expect(verify({ ...genuine, actor: { ...decision.actor, role: 'admin' } })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verify({ ...genuine, signature: { ...genuine.signature, issuedAt: '2030-01-01T00:00:00.000Z' } })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verify({ ...genuine, signature: { keyId: current.id, mac: 'not a mac' } })).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('binds a signature to its run and its signal name', () => {
    expect(verify(signed(decision), [current], 'run_2')).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verify(signed(decision), [current], 'run_1', 'message')).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('accepts everything without keys (development)', () => {
    expect(verify(decision, [])).toEqual({ ok: true });
  });

  it("signs every object payload the client sends, with the first key; leaves others and a keyless client's as they are", async () => {
    const sent: unknown[][] = [];
    const next = async (input: WorkflowSignalInput) => {
      sent.push(input.args);
    };
    const input = (args: unknown[]): WorkflowSignalInput => ({ signalName: 'approval', args, workflowExecution: { workflowId: 'run_1' }, headers: {} });
    const interceptor = signalSigningInterceptor([current, previous]);
    await interceptor.signal!(input([decision]), next);
    await interceptor.signal!(input(['junk']), next);
    expect(sent[1]).toEqual(['junk']);
    expect((sent[0]![0] as { signature: { keyId: string } }).signature.keyId).toBe(current.id);
    expect(verify(sent[0]![0], [current])).toEqual({ ok: true });
    expect(withSignalSigning({}, [])).toEqual({});
    expect(withSignalSigning({}, [current]).workflow).toHaveLength(1);
  });
});
