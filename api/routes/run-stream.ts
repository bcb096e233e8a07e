import type { Response } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import { parseOrThrow } from '../../lib/errors';
import { runIdParams } from '../../lib/rest-schemas';
import type { Principal } from '../auth';
import { defineRoute } from '../route-contract';

/** The stream hub's server-sent events (api/stream/hub.ts). */
export interface RunEventStreams {
  streamRunEvents(principal: Principal, runId: string, afterSeq: number, response: Response): Promise<void>;
}

type RunStreamDeps = { db: Knex; runStreams: RunEventStreams };

const runStreamQuery = z.object({ afterSeq: z.coerce.number().int().min(0).optional() }).strict();
/** What an EventSource sends when it reconnects: the id of the last message it had, an event's seq. */
const lastEventIdHeader = z.coerce.number().int().min(0);

export const runStreamRoutes = [
  defineRoute({
    method: 'get',
    path: '/v1/runs/:id/stream',
    operationId: 'streamRun',
    summary: "A run's events and streamed answer text, as server-sent events",
    description:
      'The ws run subscription over HTTP: `subscribed`, then every event after `afterSeq` (or the `Last-Event-ID` header, which wins) in seq order, ' +
      'then live events and `delta` / `delta.reset` messages. Each message is named by its frame type and carries the frame as JSON; an event message has its seq as its id.',
    role: 'viewer',
    params: runIdParams,
    query: runStreamQuery,
    success: { status: 200, description: 'a text/event-stream that stays open', contentType: 'text/event-stream' },
    errors: [400, 401, 403, 404, 429],
    handler: async ({ params, query, principal, request, response }, deps: RunStreamDeps) => {
      const lastEventId = request.get('last-event-id');
      const afterSeq = lastEventId === undefined ? (query.afterSeq ?? 0) : parseOrThrow(lastEventIdHeader, lastEventId, 'Last-Event-ID');
      await deps.runStreams.streamRunEvents(principal, params.id, afterSeq, response);
    },
  }),
];
