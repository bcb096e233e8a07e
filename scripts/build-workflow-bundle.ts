/** `npm run build:workflows`: bundles workflows/ once, for workers started with WORKFLOW_BUNDLE_PATH (production images). */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildWorkflowBundle } from '../worker/create-worker';

async function main(): Promise<void> {
  const output = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'dist', 'workflow-bundle.js'));
  const bundle = await buildWorkflowBundle();
  await mkdir(path.dirname(output), { recursive: true });
  await writeFile(output, bundle.code);
  console.log(`workflow bundle written to ${output} (${Math.round(bundle.code.length / 1024)} KiB)`);
}

main().catch((error: unknown) => {
  console.error('could not build the workflow bundle:', error);
  process.exit(1);
});
