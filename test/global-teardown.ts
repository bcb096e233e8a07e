import { rm } from 'node:fs/promises';
import { runTeardowns } from './teardown-registry';

export default async function globalTeardown(): Promise<void> {
  await runTeardowns();
  const stateDir = process.env.FLIGHTDECK_TEST_STATE_DIR;
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
}
