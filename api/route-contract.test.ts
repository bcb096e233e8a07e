import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { z } from 'zod';
import pino from 'pino';
import type { Role } from '../lib/run-spec';
import { errorHandler } from './error-handler';
import { defineRoute, registerRoutes } from './route-contract';

const echo = defineRoute({
  method: 'post',
  path: '/things/:id',
  operationId: 'echo',
  summary: 'Echo what was parsed',
  role: 'operator',
  params: z.object({ id: z.string().regex(/^t_/) }),
  query: z.object({ limit: z.coerce.number().int().default(5) }).strict(),
  body: z.object({ note: z.string().optional() }).strict(),
  bodyOptional: true,
  success: { status: 202, description: 'what was parsed' },
  errors: [400, 401, 403],
  handler: ({ params, query, body, principal }, deps: { suffix: string }) => ({
    json: { id: params.id + deps.suffix, limit: query.limit, note: body.note ?? null, tenant: principal.tenantId },
  }),
});
const open = defineRoute({
  method: 'get',
  path: '/open',
  operationId: 'open',
  summary: 'Public',
  role: 'public',
  success: { status: 200, description: 'ok' },
  errors: [],
  handler: ({ principal }) => ({ status: 203, json: { principal } }),
});

/** registerRoutes parses, checks the role and replies as the routes always did; the stack tests prove the real routes. */
describe('registerRoutes', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const app = express();
    app.use(express.json());
    app.use((request, _response, next) => {
      const role = request.headers['x-role'] as Role | undefined;
      if (role) request.principal = { tenantId: 'tenant', role, superAdmin: false, actor: { type: 'api_key', id: 'key' } };
      next();
    });
    registerRoutes(app, [echo, open], { suffix: '!' });
    app.use(errorHandler(pino({ level: 'silent' })));
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const call = async (path: string, options: { role?: Role; body?: unknown; method?: string } = {}) => {
    const response = await fetch(`${url}${path}`, {
      method: options.method ?? 'POST',
      headers: { ...(options.role ? { 'x-role': options.role } : {}), ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    return { status: response.status, body: await response.json() };
  };

  it('hands the handler the parsed request and answers with the declared status', async () => {
    expect(await call('/things/t_1?limit=7', { role: 'admin', body: { note: 'hi' } })).toEqual({
      status: 202,
      body: { id: 't_1!', limit: 7, note: 'hi', tenant: 'tenant' },
    });
    // An optional body may be left out: it reads as {}.
    expect((await call('/things/t_1', { role: 'operator' })).body).toEqual({ id: 't_1!', limit: 5, note: null, tenant: 'tenant' });
  });

  it('rejects a malformed request with 400 in the error shape, before it looks at the role', async () => {
    const bad = await call('/things/nope?limit=x', { role: 'viewer', body: { other: 1 } });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'validation_failed', message: 'Invalid path', details: [{ path: 'id' }] } } });
    expect(await call('/things/t_1?limit=x', { role: 'viewer' })).toMatchObject({ status: 400, body: { error: { message: 'Invalid query' } } });
    expect(await call('/things/t_1', { role: 'viewer', body: { other: 1 } })).toMatchObject({ status: 400, body: { error: { message: 'Invalid body' } } });
  });

  it('enforces the declared role: 403 below it, 401 without a caller', async () => {
    expect(await call('/things/t_1', { role: 'viewer' })).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden', details: { required: 'operator' } } },
    });
    expect((await call('/things/t_1')).status).toBe(401);
  });

  it('serves a public route to anyone, with no principal, and lets the handler pick the status', async () => {
    expect(await call('/open', { method: 'GET' })).toEqual({ status: 203, body: { principal: null } });
  });
});
