/**
 * The Temporal Web UI shows a run's encrypted payloads decrypted to whoever is signed in to the
 * dashboard with the installation's admin key, and to no one else: the dev server is started as
 * `npm start` starts it, with `--ui-codec-endpoint <dashboard>/api/codec`; that route forwards the
 * browser's session key to the API's /v1/codec/decode. A real Chromium drives the real Web UI.
 *
 * This file starts its own dev server: its codec endpoint names this file's dashboard, whose port
 * must be known before the server starts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { freePort } from '../scripts/free-port';
import { findTemporalCli } from '../scripts/temporal-cli';
import { startTemporalDevServer, type TemporalDevServer } from '../scripts/temporal-dev-server';
import { signIn } from './dashboard-browser-kit';
import { buildDashboard, chromiumArgs, ensureChromium, startDashboard, type Dashboard } from './dashboard-web';
import { useTestStack } from './stack';
import { until } from './wait';

const repoRoot = path.resolve(__dirname, '..');
const payloadKeys = `current:${randomBytes(32).toString('base64')}`;
const marker = `web-ui-marker-${randomBytes(6).toString('hex')}`;

interface CodecCall {
  status: number;
  body: any;
}

describe('the Temporal Web UI decodes payloads through the dashboard', () => {
  let temporal: TemporalDevServer;
  let dashboardPort: number;
  let dataDir: string;
  beforeAll(async () => {
    dashboardPort = await freePort();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'flightdeck-ui-codec-'));
    const cli = await findTemporalCli({ repoRoot, log: () => undefined, allowBuild: false, allowDownload: false });
    temporal = await startTemporalDevServer({
      cli,
      port: await freePort(),
      uiPort: await freePort(),
      dbFile: path.join(dataDir, 'temporal.db'),
      uiCodecEndpoint: `http://127.0.0.1:${dashboardPort}/api/codec`,
      log: () => undefined,
    });
  }, 120_000);
  afterAll(async () => {
    await temporal?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  describe('with an encrypted run', () => {
    let dashboard: Dashboard;
    let browser: Browser;
    const stack = useTestStack(() => ({ env: { FLIGHTDECK_PAYLOAD_KEYS: payloadKeys, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_UI_URL: temporal.uiUrl } }), {
      beforeClose: async () => {
        await browser?.close();
        await dashboard?.stop();
      },
    });
    let runId: string;
    const keys: Record<string, string> = {};
    const codecEndpoint = () => `${dashboard.url}/api/codec`;
    const workflowPage = () => `${temporal.uiUrl}/namespaces/default/workflows/${runId}`;

    beforeAll(async () => {
      await buildDashboard();
      dashboard = await startDashboard({ apiUrl: stack.apiUrl, temporalUiUrl: temporal.uiUrl, temporalUiOrigin: temporal.uiUrl }, { port: dashboardPort });
      browser = await chromium.launch({ executablePath: ensureChromium(), args: chromiumArgs });
      for (const role of ['viewer', 'admin'] as const) keys[role] = (await stack.request('POST', '/v1/admin/keys', { name: `${role} key`, role })).body.key;
      const started = await stack.request('POST', '/v1/runs', {
        name: 'web-ui-codec',
        plan: { steps: [{ id: 'say', tool: 'builtin.echo', args: { note: marker } }] },
      });
      expect(started.status).toBe(201);
      runId = started.body.run.id;
      expect((await stack.waitForRun(runId)).status).toBe('completed');
      const connection = await Connection.connect({ address: temporal.address });
      try {
        const handle = new Client({ connection }).workflow.getHandle(runId);
        await until(async () => (await handle.describe()).status.name, { message: `workflow ${runId} to close`, done: (status) => status === 'COMPLETED' });
      } finally {
        await connection.close();
      }
    }, 900_000);

    /** A browser profile, signed in to the dashboard with `key` when given; tall, so the Web UI's codec panel fits. */
    async function profile(key?: string): Promise<{ context: BrowserContext; page: Page }> {
      const context = await browser.newContext({ viewport: { width: 1280, height: 1600 } });
      const page = await context.newPage();
      if (key) await signIn(page, dashboard.url, key);
      return { context, page };
    }

    /** Opens the run's workflow page in the Web UI; the answers of its codec calls, as they come. */
    async function openWorkflow(page: Page): Promise<CodecCall[]> {
      const calls: CodecCall[] = [];
      page.on('response', (response) => {
        if (response.request().method() !== 'POST' || !response.url().startsWith(`${codecEndpoint()}/decode`)) return;
        // A page closed mid-answer leaves nothing to read: only answers read whole count.
        response.json().then(
          (body: unknown) => calls.push({ status: response.status(), body }),
          () => undefined,
        );
      });
      await page.goto(workflowPage());
      await page.getByRole('heading', { name: 'Input', exact: true }).waitFor();
      await until(() => calls.length > 0, { message: 'the Web UI to call the codec endpoint' });
      return calls;
    }

    /** What an operator does once per browser (docs/security.md): the Web UI's Codec Server settings, by keyboard. */
    async function includeCredentials(page: Page): Promise<void> {
      await page.locator('[data-testid^="data-encoder-status"]').click();
      await page.getByTestId('override-accordion').click();
      await page.getByText('Use my browser setting and ignore').first().click();
      await page.locator('#data-encoder-endpoint-input').fill(codecEndpoint());
      // The panel overlaps the sticky top bar at any size: focus and keys reach what the pointer cannot.
      await page.locator('#pass-access-credentials').focus();
      await page.keyboard.press('Space');
      await page.getByTestId('confirm-data-encoder-button').focus();
      await page.keyboard.press('Enter');
    }

    /** The same settings as localStorage of the Web UI's origin holds them after `includeCredentials` (the tests have no DOM types, hence the string). */
    const presetCredentials = (context: BrowserContext) =>
      context.addInitScript(`if (location.origin === ${JSON.stringify(temporal.uiUrl)}) {
        localStorage.setItem('overrideRemoteCodecConfiguration', 'true');
        localStorage.setItem('includeCredentials', 'true');
        localStorage.setItem('endpoint', ${JSON.stringify(JSON.stringify(codecEndpoint()))});
      }`);

    it("start-dev hands the Web UI the dashboard's codec endpoint, without credentials (it has no flag for them)", async () => {
      const settings = (await (await fetch(`${temporal.uiUrl}/api/v1/settings`)).json()) as { Codec: { Endpoint: string; IncludeCredentials: boolean } };
      expect(settings.Codec).toMatchObject({ Endpoint: `http://127.0.0.1:${dashboardPort}/api/codec`, IncludeCredentials: false });
    });

    it('shows the installation admin the input decrypted once the Web UI includes credentials; encrypted before', async () => {
      const { context, page } = await profile(stack.adminKey);
      try {
        // The cluster-level setting alone: the UI calls without the cookie, the route says sign in.
        const before = await openWorkflow(page);
        expect(before[0]).toEqual({ status: 401, body: { error: { code: 'unauthenticated', message: expect.any(String), details: null } } });
        expect(await page.content()).not.toContain(marker);

        await includeCredentials(page);
        expect(await page.evaluate("localStorage.getItem('includeCredentials')")).toBe('true');
        const after = await openWorkflow(page);
        await page.getByText(marker).first().waitFor({ timeout: 30_000 });
        expect(after.every((call) => call.status === 200)).toBe(true);
      } finally {
        await context.close();
      }
    });

    it.each([
      ['a viewer', 403, 'forbidden', 'viewer'],
      ["a tenant's admin", 403, 'forbidden', 'admin'],
      ['no one signed in', 401, 'unauthenticated', null],
    ] as const)('leaves the payloads encrypted for %s: the route answers %i %s', async (_who, status, code, role) => {
      const { context, page } = await profile(role ? keys[role] : undefined);
      try {
        await presetCredentials(context);
        const calls = await openWorkflow(page);
        expect(calls[0]).toMatchObject({ status, body: { error: { code, message: expect.any(String) } } });
        expect(Object.keys(calls[0]!.body.error).sort()).toEqual(['code', 'details', 'message']);
        expect(await page.content()).not.toContain(marker);
      } finally {
        await context.close();
      }
    });

    it("answers CORS for the Web UI's origin only, and refuses encode", async () => {
      const { context, page } = await profile(stack.adminKey);
      try {
        await page.goto(temporal.uiUrl);
        // What the Web UI's codec client sends, from a page of its origin.
        const call = (url: string) =>
          page.evaluate(`fetch(${JSON.stringify(url)}, {
            method: 'POST',
            credentials: 'include',
            headers: { 'content-type': 'application/json', 'x-namespace': 'default' },
            body: JSON.stringify({ payloads: [] }),
          }).then(async (response) => ({ status: response.status, body: await response.json() }), (error) => ({ blocked: String(error) }))`);
        expect(await call(`${codecEndpoint()}/decode`)).toEqual({ status: 200, body: { payloads: [] } });
        expect(await call(`${codecEndpoint()}/encode`)).toEqual({
          status: 403,
          body: { error: { code: 'forbidden', message: expect.stringMatching(/decodes only/), details: null } },
        });
        expect(await call(`${codecEndpoint()}/other`)).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
        // The same Web UI under another name is another origin (and site): the browser gets no answer.
        await page.goto(temporal.uiUrl.replace('127.0.0.1', 'localhost'));
        expect(await call(`${codecEndpoint()}/decode`)).toEqual({ blocked: expect.stringMatching(/Failed to fetch/) });
      } finally {
        await context.close();
      }
    });

    it('refuses any other origin before it reaches the API, preflight included', async () => {
      const cookie = `flightdeck_key=${stack.adminKey}`;
      const headers = { 'content-type': 'application/json', cookie };
      const body = JSON.stringify({ payloads: [] });
      const elsewhere = await fetch(`${codecEndpoint()}/decode`, { method: 'POST', headers: { ...headers, origin: 'http://127.0.0.1:1' }, body });
      expect(elsewhere.status).toBe(403);
      expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
      expect(await elsewhere.json()).toEqual({ error: { code: 'forbidden', message: expect.stringMatching(/TEMPORAL_UI_ORIGIN/), details: null } });
      const preflight = (origin: string) =>
        fetch(`${codecEndpoint()}/decode`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
        });
      expect((await preflight('http://127.0.0.1:1')).status).toBe(403);
      const allowed = await preflight(temporal.uiUrl);
      expect(allowed.status).toBe(204);
      expect(
        Object.fromEntries(
          ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-allow-headers'].map((name) => [name, allowed.headers.get(name)]),
        ),
      ).toEqual({
        'access-control-allow-origin': temporal.uiUrl,
        'access-control-allow-credentials': 'true',
        'access-control-allow-headers': 'content-type, x-namespace',
      });
      // Without Origin (curl, a script) the session decides, as in the browser.
      expect((await fetch(`${codecEndpoint()}/decode`, { method: 'POST', headers, body })).status).toBe(200);
      const tooLarge = await fetch(`${codecEndpoint()}/decode`, { method: 'POST', headers, body: 'x'.repeat(300 * 1024) });
      expect(tooLarge.status).toBe(413);
    });
  });
});
