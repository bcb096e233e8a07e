/**
 * Signed signals: whoever can reach Temporal's gRPC port can signal any workflow, so a signal's
 * claimed identity (an approver's role, their tenant, who cancels or writes) is worth nothing by
 * itself. The API's Temporal client signs every signal it sends (`withSignalSigning`) with the
 * first key of `FLIGHTDECK_SIGNAL_KEYS`; the worker's `verifySignal` local activity checks the
 * signature with any key listed before the workflow applies the signal (workflows/signal-verifier.ts).
 *
 * The MAC is HMAC-SHA256 over the canonical JSON of { keyId, workflowId, signal, payload, issuedAt }:
 * the payload without its `signature`, bound to the one run and the one signal it was sent as.
 * The keys never enter workflow code (the workflow sandbox, and its histories, see only the result).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ClientInterceptors, WorkflowClientInterceptor } from '@temporalio/client';
import { canonicalJson } from './canonical-json';
import type { EnvCheck } from './config';
import { signalSignatureSchema, type SignalSignature } from './event-schemas';
import { keyListField, type NamedKey } from './key-list';
import type { VerifySignalInput, VerifySignalResult } from './workflow-contract';

/** A key of FLIGHTDECK_SIGNAL_KEYS: `<keyId>:<base64 32 bytes>`, the same form as the payload keys. */
export type SignalKey = NamedKey;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function macOf(key: SignalKey, signed: { workflowId: string; signal: string; payload: Record<string, unknown>; issuedAt: string }): Buffer {
  return createHmac('sha256', key.key)
    .update(canonicalJson({ keyId: key.id, ...signed }))
    .digest();
}

/** The signature of `payload` (without any `signature` it holds) as signal `signal` to workflow `workflowId`. */
export function signSignal(key: SignalKey, workflowId: string, signal: string, payload: Record<string, unknown>, issuedAt = new Date()): SignalSignature {
  const { signature: _previous, ...unsigned } = payload;
  const at = issuedAt.toISOString();
  return { keyId: key.id, mac: macOf(key, { workflowId, signal, payload: unsigned, issuedAt: at }).toString('base64url'), issuedAt: at };
}

/**
 * Whether the signal is signed by one of `keys` for this workflow and signal name. Without keys
 * (development) every signal passes, signed or not: the processes warned about it at boot.
 */
export function verifySignalSignature(keys: readonly SignalKey[], input: VerifySignalInput): VerifySignalResult {
  if (keys.length === 0) return { ok: true };
  if (!isRecord(input.payload) || input.payload.signature === undefined) return { ok: false, reason: 'missing_signature' };
  const { signature, ...unsigned } = input.payload;
  const parsed = signalSignatureSchema.safeParse(signature);
  if (!parsed.success) return { ok: false, reason: 'bad_signature' };
  const key = keys.find(({ id }) => id === parsed.data.keyId);
  if (!key) return { ok: false, reason: 'unknown_signing_key' };
  const expected = macOf(key, { workflowId: input.workflowId, signal: input.signal, payload: unsigned, issuedAt: parsed.data.issuedAt });
  const given = Buffer.from(parsed.data.mac, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected) ? { ok: true } : { ok: false, reason: 'bad_signature' };
}

/** Signs every signal whose payload is an object with the first key; without keys the client is left as it was. */
export function signalSigningInterceptor(keys: readonly SignalKey[]): WorkflowClientInterceptor {
  const current = keys[0];
  return {
    async signal(input, next) {
      const [payload, ...rest] = input.args;
      if (!current || !isRecord(payload)) return next(input);
      const signature = signSignal(current, input.workflowExecution.workflowId, input.signalName, payload);
      return next({ ...input, args: [{ ...payload, signature }, ...rest] });
    },
  };
}

/** `interceptors` plus signal signing when there are keys (the API's client, api/server.ts). */
export function withSignalSigning(interceptors: ClientInterceptors, keys: readonly SignalKey[]): ClientInterceptors {
  if (keys.length === 0) return interceptors;
  const workflow = Array.isArray(interceptors.workflow) ? interceptors.workflow : [];
  return { ...interceptors, workflow: [...workflow, signalSigningInterceptor(keys)] };
}

/** The variable every process that signals or runs workflows reads (lib/config.ts commonShape). */
export const signalKeysShape = {
  FLIGHTDECK_SIGNAL_KEYS: keyListField().describe(
    'Comma list of `<keyId>:<base64 32-byte key>` (`openssl rand -base64 32`) with which the API signs (HMAC-SHA256) every signal it sends a run — approval decisions, messages, cancels, connections — and the worker verifies them before a run applies one: the first signs, all verify (rotation by key id). Required with NODE_ENV=production; unset in development, signals go unsigned and are accepted (a warning at start). Every API and worker needs the same list; `npm start` generates one into `<FLIGHTDECK_DATA_DIR>/signal-key`.',
  ),
};

/** Production refuses to start without signal keys: anyone who reaches Temporal's port could otherwise decide approvals. */
export const signalKeysCheck: EnvCheck = (env) =>
  env.NODE_ENV === 'production' && !env.FLIGHTDECK_SIGNAL_KEYS?.trim()
    ? [
        {
          path: 'FLIGHTDECK_SIGNAL_KEYS',
          message: 'must be set when NODE_ENV=production: it signs the signals the API sends runs (`<keyId>:<key>`, the key from `openssl rand -base64 32`)',
        },
      ]
    : [];

export const unsignedSignalsWarning =
  'FLIGHTDECK_SIGNAL_KEYS is unset: signals to runs are not signed and are accepted unsigned, so anyone who reaches Temporal can approve, message or cancel a run (set it in production)';
