import type { PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { AppError } from '../../lib/errors';
import { PayloadDecodeError } from '../../lib/payload-codec';
import { defineRoute } from '../route-contract';

/** A payload as Temporal's remote codec protocol carries it: metadata values and data in base64. */
const wirePayloadSchema = z.object({
  metadata: z.record(z.string(), z.base64()).optional(),
  data: z.base64().optional(),
});
const wirePayloadsSchema = z.object({ payloads: z.array(wirePayloadSchema) });
type WirePayloads = z.infer<typeof wirePayloadsSchema>;

const fromWire = ({ payloads }: WirePayloads) =>
  payloads.map(({ metadata, data }) => ({
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([name, value]) => [name, new Uint8Array(Buffer.from(value, 'base64'))])),
    data: new Uint8Array(Buffer.from(data ?? '', 'base64')),
  }));

const toWire = (payloads: Awaited<ReturnType<PayloadCodec['decode']>>): WirePayloads => ({
  payloads: payloads.map(({ metadata, data }) => ({
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([name, value]) => [name, Buffer.from(value).toString('base64')])),
    data: Buffer.from(data ?? new Uint8Array()).toString('base64'),
  })),
});

interface CodecDeps {
  /** FLIGHTDECK_PAYLOAD_KEYS's codec; null without keys, when both operations hand the payloads back as they are. */
  payloadCodec: PayloadCodec | null;
}

/**
 * Temporal's remote codec protocol (`temporal workflow show --codec-endpoint <api>/v1/codec`, the
 * Web UI's codec endpoint): the payloads of a history, decoded or encoded with the installation's
 * keys. It opens every tenant's payloads, hence the installation's admin key only (superAdmin):
 * a tenant's admin key gets 403.
 */
const codecRoute = (operation: 'decode' | 'encode') =>
  defineRoute({
    method: 'post',
    path: `/v1/codec/${operation}`,
    operationId: `${operation}Payloads`,
    summary:
      operation === 'decode'
        ? "Decrypt Temporal payloads (remote codec protocol: Web UI, CLI's --codec-endpoint)"
        : 'Encrypt Temporal payloads with the current key (remote codec protocol)',
    description:
      'Body and answer `{ "payloads": [{ "metadata": { name: base64 }, "data": base64 }] }`. Payloads that are not encrypted decode as they are; without FLIGHTDECK_PAYLOAD_KEYS both operations answer the payloads unchanged. A payload that fails to decrypt is a 400.',
    role: 'admin',
    body: wirePayloadsSchema,
    bodyName: 'payloads',
    success: { status: 200, description: `the payloads, ${operation}d`, schema: wirePayloadsSchema },
    errors: [400, 401, 403],
    handler: async ({ body, principal }, deps: CodecDeps) => {
      if (!principal.superAdmin) {
        throw new AppError(
          'forbidden',
          "payloads hold every tenant's data: only the installation's admin key (FLIGHTDECK_ADMIN_KEY) may decode or encode them",
        );
      }
      const payloads = fromWire(body);
      if (!deps.payloadCodec) return { json: toWire(payloads) };
      try {
        return { json: toWire(await deps.payloadCodec[operation](payloads)) };
      } catch (error) {
        if (error instanceof PayloadDecodeError) throw new AppError('validation_failed', error.message);
        throw error;
      }
    },
  });

export const codecRoutes = [codecRoute('decode'), codecRoute('encode')];
