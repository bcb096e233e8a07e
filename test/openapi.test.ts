import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { Express } from 'express';
import { buildOpenApiDocument } from '../api/openapi';
import { restRoutes } from '../api/routes';
import { useTestStack } from './stack';

const run = promisify(execFile);
const document = buildOpenApiDocument(restRoutes, { version: '0.0.0-test' });
type Operation = { operationId?: string };

describe('the API documents itself', () => {
  const stack = useTestStack({ worker: 'none' });

  describe('the OpenAPI document', () => {
    it('is valid OpenAPI 3.1 (swagger-parser)', async () => {
      // validate() dereferences in place: give it a copy.
      await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeTruthy();
    });

    it('passes redocly lint (redocly.yaml) with no errors or warnings', async () => {
      const directory = await mkdtemp(path.join(tmpdir(), 'flightdeck-openapi-'));
      try {
        const file = path.join(directory, 'openapi.json');
        await writeFile(file, JSON.stringify(document));
        const { stdout } = await run('npx', ['redocly', 'lint', '--config', 'redocly.yaml', '--format', 'json', file], {
          cwd: path.join(__dirname, '..'),
          env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        });
        const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: unknown[] };
        expect(report.problems).toEqual([]);
        expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    });

    it('names every operation once', () => {
      const ids = Object.values(document.paths).flatMap((methods) =>
        Object.values(methods as Record<string, Operation>).map((operation) => operation.operationId),
      );
      expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('documents exactly the routes the Express app serves', () => {
      const app = stack.api.server.listeners('request')[0] as Express;
      const served = app.router.stack.flatMap((layer) =>
        layer.route
          ? Object.keys((layer.route as unknown as { methods: Record<string, boolean> }).methods).map((method) => `${method} ${String(layer.route!.path)}`)
          : [],
      );
      const documented = Object.entries(document.paths).flatMap(([documentedPath, methods]) =>
        Object.keys(methods).map((method) => `${method} ${documentedPath.replace(/\{(\w+)\}/g, ':$1')}`),
      );
      expect(new Set(served).size).toBe(served.length);
      expect([...served].sort()).toEqual([...documented].sort());
    });

    it('is what GET /v1/openapi.json serves, to anyone', async () => {
      const response = await fetch(`${stack.apiUrl}/v1/openapi.json`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { paths: unknown }).paths).toEqual(document.paths);
    });
  });

  describe('the API reference at /docs', () => {
    it('is an HTML page that loads its script from this API, never from a CDN', async () => {
      const response = await fetch(`${stack.apiUrl}/docs`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await response.text();
      expect(html).toContain('<script src="/docs/scalar.js"');
      expect(html).toContain('/v1/openapi.json');
      expect(html).not.toMatch(/https?:\/\//);
    });

    it('serves the script as JavaScript', async () => {
      const response = await fetch(`${stack.apiUrl}/docs/scalar.js`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect((await response.text()).length).toBeGreaterThan(100_000);
    });
  });
});
