import type { Knex } from 'knex';
import { countRunsByStatus } from '../../lib/runs-store';
import { principalSchema, runCountsSchema } from '../../lib/api-client/schemas';
import { runCountsQuery } from '../../lib/rest-schemas';
import { defineRoute } from '../route-contract';

/**
 * What a dashboard needs beside the resources: who the key is (`GET /v1/me`, so it can show only
 * what the role allows) and how many runs match a filter, by status (`GET /v1/runs/counts`).
 * Registered before the runs routes so `/runs/counts` is not read as a run id.
 */
export const sessionRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/me',
    operationId: 'getMe',
    summary: 'The calling key: tenant, role, actor',
    role: 'viewer',
    success: { status: 200, description: 'who the key is', schema: principalSchema },
    errors: [401],
    handler: ({ principal }) => ({
      json: { tenantId: principal.tenantId, role: principal.role, superAdmin: principal.superAdmin, actor: principal.actor },
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/v1/runs/counts',
    operationId: 'countRuns',
    summary: 'How many runs match the filters, by status',
    role: 'viewer',
    query: runCountsQuery,
    success: { status: 200, description: 'counts by status (statuses with none left out) and their total', schema: runCountsSchema },
    errors: [400, 401, 403],
    handler: async ({ query, principal }, deps: { db: Knex }) => {
      const counts = await countRunsByStatus(deps.db, principal.tenantId, { tags: query.tag, tool: query.tool, text: query.q });
      return { json: { counts, total: Object.values(counts).reduce((sum, count) => sum + count, 0) } };
    },
  }),
];
