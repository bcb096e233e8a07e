/**
 * With FLIGHTDECK_PAYLOAD_KEYS set, what Flightdeck stores in Temporal is ciphertext: a run's
 * history, read straight from Temporal without the key, holds no byte of its tool args or results;
 * the same history decodes with the codec, through the API's codec endpoint (admin only) and
 * through `temporal workflow show --codec-endpoint`.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { findTemporalCli } from '../scripts/temporal-cli';
import { parseKeyList } from '../lib/key-list';
import { AesGcmPayloadCodec, encryptedEncoding } from '../lib/payload-codec';
import { callAs } from './run-helpers';
import { until } from './wait';
import { useTestStack } from './stack';

const run = promisify(execFile);
const payloadKeys = `current:${randomBytes(32).toString('base64')}`;
const marker = `plain-marker-${randomBytes(6).toString('hex')}`;
const b64 = (text: string) => Buffer.from(text).toString('base64');
/** The fields of the SDK's own marker payloads (patch markers, local-activity marker metadata), which no codec sees. */
const sdkMarkerFields = new Set(['id', 'deprecated', 'seq', 'attempt', 'activity_id', 'activity_type', 'complete_time', 'backoff', 'original_schedule_time']);
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');

/**
 * Every payload in a (protobuf-decoded) history, wherever it sits: inputs, results, markers,
 * signals, memos. Search attributes are not payloads a codec sees (Temporal indexes them), so
 * they are left out: they carry status, tenant and tags, never args.
 */
function payloadsIn(value: unknown, found: Payload[] = []): Payload[] {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return found;
  const candidate = value as Payload;
  if (candidate.metadata && typeof candidate.metadata === 'object' && 'encoding' in candidate.metadata) found.push(candidate);
  for (const [name, inner] of Object.entries(value)) if (name !== 'searchAttributes') payloadsIn(inner, found);
  return found;
}

/** The payload data of `temporal workflow show -o json`'s answer (base64 there), as text. */
function payloadTextOfCliJson(value: unknown, parts: string[] = []): string {
  if (value === null || typeof value !== 'object') return parts.join('\n');
  for (const [name, inner] of Object.entries(value)) {
    if (name === 'data' && typeof inner === 'string') parts.push(Buffer.from(inner, 'base64').toString('utf8'));
    else payloadTextOfCliJson(inner, parts);
  }
  return parts.join('\n');
}

/** Every byte array and string of the history, concatenated: what anyone who can read it sees. */
function rawBytesOf(value: unknown, parts: Buffer[] = []): Buffer {
  if (value instanceof Uint8Array) parts.push(Buffer.from(value));
  else if (typeof value === 'string') parts.push(Buffer.from(value));
  else if (value !== null && typeof value === 'object') for (const inner of Object.values(value)) rawBytesOf(inner, parts);
  return Buffer.concat(parts);
}

describe('payload encryption (FLIGHTDECK_PAYLOAD_KEYS)', () => {
  const stack = useTestStack({ env: { FLIGHTDECK_PAYLOAD_KEYS: payloadKeys } });
  let connection: Connection;
  let runId: string;
  const keys: Record<string, string> = {};
  beforeAll(async () => {
    connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS });
    for (const role of ['viewer', 'operator', 'approver', 'admin'] as const) {
      const created = await stack.request('POST', '/v1/admin/keys', { name: `${role} key`, role });
      keys[role] = created.body.key;
    }
    const started = await stack.request('POST', '/v1/runs', {
      name: 'encrypted',
      plan: { steps: [{ id: 'say', tool: 'builtin.echo', args: { note: marker } }] },
    });
    expect(started.status).toBe(201);
    runId = started.body.run.id;
    const finished = await stack.waitForRun(runId);
    expect(finished.status).toBe('completed');
    expect(JSON.stringify(finished.output)).toContain(marker);
    // The log can hold run.completed before Temporal's history holds the workflow task that wrote
    // it (a plan of local activities runs in one task): wait for Temporal to close the workflow.
    const handle = new Client({ connection }).workflow.getHandle(runId);
    await until(async () => (await handle.describe()).status.name, {
      message: `workflow ${runId} to close in Temporal`,
      done: (status) => status === 'COMPLETED',
    });
  });
  afterAll(async () => {
    await connection?.close();
  });

  const historyPayloads = async () => {
    // A client without the codec: what Temporal, its database and its Web UI hold.
    const history = await new Client({ connection }).workflow.getHandle(runId).fetchHistory();
    return { history, payloads: payloadsIn(history.events) };
  };

  it('leaves no plaintext of the tool args or results in Temporal history; with the codec it decodes', async () => {
    const { history, payloads } = await historyPayloads();
    expect(payloads.length).toBeGreaterThan(3);
    expect(rawBytesOf(history).includes(marker)).toBe(false);
    // The only payloads left as they are: what the SDK itself writes in its markers (patch ids,
    // a local activity's seq, type and times), never anything of the run's.
    const sdkOwn = (payload: Payload) => Object.keys(JSON.parse(text(payload.data))).every((name) => sdkMarkerFields.has(name));
    const sealed = payloads.filter((payload) => text(payload.metadata!.encoding) === encryptedEncoding);
    expect(payloads.filter((payload) => !sealed.includes(payload) && !sdkOwn(payload)).map((payload) => text(payload.data))).toEqual([]);
    expect(sealed.length).toBeGreaterThan(3);
    expect(new Set(sealed.map((payload) => text(payload.metadata!['encryption-key-id'])))).toEqual(new Set(['current']));

    const decoded = await new AesGcmPayloadCodec(parseKeyList(payloadKeys)).decode(sealed);
    const plaintext = decoded.map((payload) => text(payload.data)).join('\n');
    // The workflow input (the spec), the activity's args and result: each carries the marker.
    expect(plaintext.split(marker).length - 1).toBeGreaterThanOrEqual(3);
  });

  it('serves the codec endpoint to admins: decode opens the history, encode and decode round-trip', async () => {
    const { payloads } = await historyPayloads();
    const wire = {
      payloads: payloads.map((payload) => ({
        metadata: Object.fromEntries(Object.entries(payload.metadata!).map(([name, value]) => [name, Buffer.from(value).toString('base64')])),
        data: Buffer.from(payload.data!).toString('base64'),
      })),
    };
    const decoded = await stack.request('POST', '/v1/codec/decode', wire);
    expect(decoded.status).toBe(200);
    expect(decoded.body.payloads).toHaveLength(payloads.length);
    expect(decoded.body.payloads.map((payload: { data: string }) => Buffer.from(payload.data, 'base64').toString()).join('\n')).toContain(marker);

    const plain = { payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64('"round trip"') }] };
    const encoded = await stack.request('POST', '/v1/codec/encode', plain);
    expect(encoded.status).toBe(200);
    expect(encoded.body.payloads[0].metadata.encoding).toBe(b64(encryptedEncoding));
    expect(Buffer.from(encoded.body.payloads[0].data, 'base64').toString()).not.toContain('round trip');
    const back = await stack.request('POST', '/v1/codec/decode', encoded.body);
    expect(back.body).toEqual(plain);
    // Unencrypted payloads decode as they are.
    expect((await stack.request('POST', '/v1/codec/decode', plain)).body).toEqual(plain);
  });

  it('answers a tampered payload with 400 and a clear error', async () => {
    const encoded = await stack.request('POST', '/v1/codec/encode', { payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64('"x"') }] });
    const data = Buffer.from(encoded.body.payloads[0].data, 'base64');
    data[14] = data[14]! ^ 0xff;
    const tampered = { payloads: [{ ...encoded.body.payloads[0], data: data.toString('base64') }] };
    const answer = await stack.request('POST', '/v1/codec/decode', tampered);
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toMatch(/key id "current"\) failed authentication: it was altered/);
  });

  it("is 401 without a key and 403 for every tenant's key, a tenant's admin included", async () => {
    const body = { payloads: [] };
    for (const operation of ['decode', 'encode']) {
      const anonymous = await fetch(`${stack.apiUrl}/v1/codec/${operation}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(anonymous.status).toBe(401);
      for (const role of ['viewer', 'operator', 'approver', 'admin'])
        expect((await callAs(stack, keys[role]!, 'POST', `/v1/codec/${operation}`, body)).status).toBe(403);
    }
  });

  it('lets `temporal workflow show --codec-endpoint` read the history through the API', async () => {
    const found = await findTemporalCli({ repoRoot: path.resolve(__dirname, '..'), log: () => undefined, allowBuild: false, allowDownload: false });
    if (found.kind !== 'binary') throw new Error('this test needs the Temporal CLI binary');
    const cli = found.path;
    const common = ['workflow', 'show', '--address', process.env.TEMPORAL_ADDRESS!, '--workflow-id', runId, '--output', 'json'];
    const without = await run(cli, common, { maxBuffer: 16 * 1024 * 1024 });
    expect(without.stdout).not.toContain(marker);
    expect(payloadTextOfCliJson(JSON.parse(without.stdout))).not.toContain(marker);
    const withCodec = await run(cli, [...common, '--codec-endpoint', `${stack.apiUrl}/v1/codec`, '--codec-auth', `Bearer ${stack.adminKey}`], {
      maxBuffer: 16 * 1024 * 1024,
    });
    expect(payloadTextOfCliJson(JSON.parse(withCodec.stdout))).toContain(marker);
  });
});
