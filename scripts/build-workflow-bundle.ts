/**
 * `npm run build:workflows [path]`: bundles workflows/ and the run definitions (definitions/ and
 * FLIGHTDECK_DEFINITIONS_DIR, which the workers must then list alike) for workers started with WORKFLOW_BUNDLE_PATH
 * (production images): the plain bundle at `path` and, beside it, its tracing twin with the
 * OpenTelemetry workflow interceptors, which workers with tracing on load instead.
 */
import path from 'node:path';
import { loadDefinitionCatalog } from '../lib/definitions';
import { writeWorkflowBundles } from '../worker/create-worker';

async function main(): Promise<void> {
  const output = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'dist', 'workflow-bundle.js'));
  const { files } = await loadDefinitionCatalog(process.env.FLIGHTDECK_DEFINITIONS_DIR);
  console.log(`run definitions: ${files.length === 0 ? 'none' : files.map((file) => path.relative(process.cwd(), file)).join(', ')}`);
  for (const { file, tracing, bytes } of await writeWorkflowBundles(output, { definitionFiles: files })) {
    console.log(`workflow bundle${tracing ? ' (tracing)' : ''} written to ${file} (${Math.round(bytes / 1024)} KiB)`);
  }
}

main().catch((error: unknown) => {
  console.error('could not build the workflow bundle:', error);
  process.exit(1);
});
