/**
 * A test double for an OpenTelemetry Collector's OTLP/HTTP trace receiver (this machine runs none):
 * `POST /v1/traces` with an OTLP JSON `ExportTraceServiceRequest` (what
 * @opentelemetry/exporter-trace-otlp-http sends), answered 200 with an `ExportTraceServiceResponse`.
 * Protobuf bodies get 415, as a receiver without that encoding would answer.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CollectedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

interface OtlpAnyValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
}
interface OtlpKeyValue {
  key: string;
  value: OtlpAnyValue;
}
interface OtlpRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: Array<{ spans?: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes?: OtlpKeyValue[] }> }>;
  }>;
}

const valueOf = (value: OtlpAnyValue): unknown =>
  value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue ?? (value.arrayValue ? (value.arrayValue.values ?? []).map(valueOf) : null);
const attributesOf = (list: OtlpKeyValue[] = []) => Object.fromEntries(list.map((entry) => [entry.key, valueOf(entry.value)]));

export class FakeOtlpCollector {
  readonly spans: CollectedSpan[] = [];
  /** Requests that were not OTLP JSON trace exports (path, content type): a test asserts there are none. */
  readonly rejected: string[] = [];
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeOtlpCollector> {
    let collector: FakeOtlpCollector | null = null;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const type = request.headers['content-type'] ?? '';
        if (request.method !== 'POST' || request.url !== '/v1/traces') {
          collector?.rejected.push(`${request.method} ${request.url}`);
          response.writeHead(404).end();
          return;
        }
        if (!type.startsWith('application/json')) {
          collector?.rejected.push(`content-type ${type}`);
          response.writeHead(415).end();
          return;
        }
        collector?.accept(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpRequest);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    collector = new FakeOtlpCollector(server, `http://127.0.0.1:${port}`);
    return collector;
  }

  private accept(body: OtlpRequest): void {
    for (const resourceSpans of body.resourceSpans ?? []) {
      const service = String(attributesOf(resourceSpans.resource?.attributes)['service.name'] ?? '');
      for (const scope of resourceSpans.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          this.spans.push({
            service,
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId || null,
            name: span.name,
            kind: span.kind,
            attributes: attributesOf(span.attributes),
          });
        }
      }
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
