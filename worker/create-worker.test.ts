import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { prebuiltWorkflowBundle, tracingBundlePath } from './create-worker';

const otelWorkflowInterceptors = 'interceptors-opentelemetry/lib/workflow-interceptors';

describe('workflow bundles with and without tracing', () => {
  it('keeps the OpenTelemetry workflow interceptors out of the plain bundle and in its tracing twin', async () => {
    // Written by test/global-setup.ts with writeWorkflowBundles, as `npm run build:workflows` writes them.
    const plainPath = process.env.WORKFLOW_BUNDLE_PATH;
    if (!plainPath) throw new Error('WORKFLOW_BUNDLE_PATH is not set: run through jest (test/global-setup.ts)');
    const [plain, tracing] = await Promise.all([readFile(plainPath, 'utf8'), readFile(tracingBundlePath(plainPath), 'utf8')]);
    expect(plain).not.toContain(otelWorkflowInterceptors);
    expect(plain).not.toContain('@opentelemetry/sdk-trace-base');
    expect(tracing).toContain(otelWorkflowInterceptors);
  });

  it('names the twin beside the bundle', () => {
    expect(tracingBundlePath('/app/dist/workflow-bundle.js')).toBe('/app/dist/workflow-bundle.tracing.js');
    expect(tracingBundlePath('bundle')).toBe('bundle.tracing.js');
  });

  it('loads the plain bundle untraced, the twin traced, and says what to build when the twin is missing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'flightdeck-bundle-'));
    const plainPath = path.join(dir, 'workflow-bundle.js');
    expect(prebuiltWorkflowBundle(undefined, { tracing: true })).toBeUndefined();
    expect(prebuiltWorkflowBundle(plainPath, { tracing: false })).toEqual({ codePath: plainPath });
    expect(() => prebuiltWorkflowBundle(plainPath, { tracing: true })).toThrow(/tracing twin .*workflow-bundle\.tracing\.js.*npm run build:workflows/);
    await writeFile(tracingBundlePath(plainPath), '');
    expect(prebuiltWorkflowBundle(plainPath, { tracing: true })).toEqual({ codePath: tracingBundlePath(plainPath) });
  });
});
