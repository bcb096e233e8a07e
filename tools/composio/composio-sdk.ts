import { Composio } from '@composio/core';
import type { ComposioToolkit } from './composio-config';

export interface ComposioConfig {
  apiKey: string;
  baseUrl: string;
  toolkits: ComposioToolkit[];
}

export type ComposioSdk = Composio;

/**
 * The SDK, talking to `baseUrl` and nothing else: `allowTracking: false` keeps its telemetry
 * (telemetry.composio.dev) off, `disableVersionCheck: true` stops its npm "latest version" probe,
 * and the explicit key and base URL keep it from reading ~/.composio/user_data.json. Pinned toolkit
 * versions go in as `toolkitVersions`, which the SDK sends with catalog reads and executions.
 */
export function createComposioSdk(config: ComposioConfig): ComposioSdk {
  const toolkitVersions = Object.fromEntries(config.toolkits.flatMap((toolkit) => (toolkit.version ? [[toolkit.slug, toolkit.version] as const] : [])));
  return new Composio({
    apiKey: config.apiKey,
    baseURL: config.baseUrl,
    allowTracking: false,
    disableVersionCheck: true,
    ...(Object.keys(toolkitVersions).length > 0 ? { toolkitVersions } : {}),
  });
}
