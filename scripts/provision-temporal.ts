/**
 * `tsx scripts/provision-temporal.ts`: makes sure a Temporal CLI is available before `npm test` or
 * `npm start` need one, building it with Go into .tools/bin when necessary (a few minutes, once).
 */
import path from 'node:path';
import { findTemporalCli } from './temporal-cli';

const repoRoot = path.resolve(__dirname, '..');

async function main(): Promise<void> {
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const cli = await findTemporalCli({ repoRoot, log, allowBuild: true, allowDownload: true });
  if (cli.kind === 'binary') log(`Temporal CLI: ${cli.path} (from ${cli.source})`);
  else log('Temporal CLI: none local; @temporalio/testing will download it when the dev server starts.');
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`provision-temporal: ${message}\n`);
  process.exit(1);
});
