import type { ConnectionOptions } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';

/** The Temporal settings every process shares: a dev server, a self-hosted cluster, or Temporal Cloud. */
export interface TemporalSettings {
  TEMPORAL_ADDRESS: string;
  /** Temporal Cloud API key: implies TLS. */
  TEMPORAL_API_KEY?: string;
  /** mTLS client certificate and key, PEM text (Temporal Cloud or a TLS cluster). */
  TEMPORAL_TLS_CERT?: string;
  TEMPORAL_TLS_KEY?: string;
}

function tlsOf(settings: TemporalSettings) {
  if (settings.TEMPORAL_TLS_CERT && settings.TEMPORAL_TLS_KEY) {
    return { clientCertPair: { crt: Buffer.from(settings.TEMPORAL_TLS_CERT), key: Buffer.from(settings.TEMPORAL_TLS_KEY) } };
  }
  return settings.TEMPORAL_API_KEY ? true : undefined;
}

/** Options for `Connection` (API) and `NativeConnection` (worker), from one place. */
export function temporalConnectionOptions(settings: TemporalSettings): ConnectionOptions & NativeConnectionOptions {
  const tls = tlsOf(settings);
  return {
    address: settings.TEMPORAL_ADDRESS,
    ...(tls ? { tls } : {}),
    ...(settings.TEMPORAL_API_KEY ? { apiKey: settings.TEMPORAL_API_KEY } : {}),
  };
}
