/** Jest runs globalSetup and globalTeardown in one context; this carries what setup started. */
type Teardown = () => Promise<void>;
const key = Symbol.for('flightdeck.test.teardowns');
const registry = globalThis as unknown as Record<symbol, Teardown[] | undefined>;

export function registerTeardown(teardown: Teardown): void {
  (registry[key] ??= []).push(teardown);
}

export async function runTeardowns(): Promise<void> {
  const teardowns = registry[key] ?? [];
  registry[key] = [];
  for (const teardown of teardowns.reverse()) {
    await teardown().catch((error: unknown) => process.stderr.write(`teardown failed: ${String(error)}\n`));
  }
}
