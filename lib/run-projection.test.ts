import type { EventDataInput } from './event-schemas';
import type { EventType } from './events';
import { applyEvent, type ProjectedEvent, type RunProjection } from './run-projection';

const spec = { tags: [], plan: { steps: [{ id: 'a', tool: 'builtin.echo', args: {} }] } };
let seq = 0;
const event = <T extends EventType>(type: T, data: EventDataInput<T> | Record<string, never> = {}): ProjectedEvent =>
  ({
    tenantId: 't',
    runId: 'run_1',
    seq: (seq += 1),
    type,
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, seq)),
    actor: null,
    data,
    hash: `h${seq}`,
  }) as ProjectedEvent;
const fold = (events: ProjectedEvent[]): RunProjection => events.reduce<RunProjection | null>(applyEvent, null)!;

describe('applyEvent', () => {
  beforeEach(() => {
    seq = 0;
  });
  const created = () => event('run.created', { spec, specHash: 'x', mode: 'plan', name: null, tags: [], idempotencyKey: null });

  it('moves a created run to running at run.started', () => {
    const run = fold([created(), event('run.started')]);
    expect(run).toMatchObject({ status: 'running', startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, 2)), lastSeq: 2 });
  });

  // A run's start rides with its first step's append (workflows/run-context.ts), which may commit
  // after the API recorded a terminate.
  it('keeps an ended run ended when its run.started lands late', () => {
    const run = fold([created(), event('run.terminated'), event('run.started')]);
    expect(run).toMatchObject({ status: 'terminated', lastSeq: 3 });
    expect(run.startedAt).toEqual(new Date(Date.UTC(2026, 0, 1, 0, 0, 3)));
  });
});
