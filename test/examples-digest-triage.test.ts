/**
 * The shipped examples definitions/nightly-digest.ts (started by a schedule) and
 * definitions/inbox-triage.ts (a loop over chat messages), on the real stack: the schedule and the
 * messages go through the API, the worker runs the bundled definitions.
 */
import type { RunEvent } from '../lib/events';
import { startRun, triggerTick, typesOf, waitForEnd, runCountOf } from './run-helpers';
import { useTestStack } from './stack';

const stepsOf = (events: RunEvent[]) => events.filter((event) => event.type === 'step.started').map((event) => (event.data as { stepId: string }).stepId);
const dataOf = (events: RunEvent[], type: string) => events.filter((event) => event.type === type).map((event) => event.data);

describe('shipped examples: nightly-digest and inbox-triage', () => {
  const created: string[] = [];
  const stack = useTestStack(
    {},
    {
      beforeClose: async () => {
        for (const id of created) await stack.client.deleteSchedule(id).catch(() => undefined);
      },
    },
  );

  describe('nightly-digest', () => {
    it('runs when its schedule ticks: one gather call per topic, the digest emitted and returned', async () => {
      const schedule = await stack.client.createSchedule({
        id: 'nightly-digest',
        cron: '0 6 * * *',
        timezone: 'Europe/Paris',
        spec: { definition: 'nightly-digest', input: { topics: ['releases', 'incidents'], since: '2026-12-05' } },
      });
      created.push(schedule.id);
      const ticked = await triggerTick(stack, schedule.id);
      const runId = ticked.recentRuns[0]!.runId;
      const run = await stack.waitForRun(runId);
      const digest = {
        title: 'Digest of 2 topics since 2026-12-05: 2 items',
        since: '2026-12-05',
        sections: [
          { topic: 'releases', items: ['releases: what changed since 2026-12-05'] },
          { topic: 'incidents', items: ['incidents: what changed since 2026-12-05'] },
        ],
        itemCount: 2,
      };
      expect(run).toMatchObject({
        status: 'completed',
        mode: 'definition',
        tags: ['digest', 'nightly'],
        output: digest,
        createdBy: { type: 'system', id: 'schedule:nightly-digest' },
      });
      const events = await waitForEnd(stack, runId);
      expect(dataOf(events, 'custom.digest')).toEqual([digest]);
      expect(typesOf(events).slice(-2)).toEqual(['custom.digest', 'run.completed']);
      expect(stepsOf(events).sort()).toEqual(['gather-incidents', 'gather-releases']);
    });

    it('fills the defaults: every default topic, since 24h', async () => {
      const events = await waitForEnd(stack, await startRun(stack, { definition: 'nightly-digest', input: {} }));
      expect(events.at(-1)).toMatchObject({ type: 'run.completed', data: { output: { since: '24h', itemCount: 3 } } });
      expect(stepsOf(events).sort()).toEqual(['gather-incidents', 'gather-on-call', 'gather-releases']);
    });

    it('refuses a schedule whose input does not fit the definition with 400 and the issues, creating nothing', async () => {
      for (const [id, topics, path] of [
        ['digest-caps', ['Releases'], 'input.topics.0'],
        ['digest-twice', ['releases', 'releases'], 'input.topics'],
        ['digest-none', [], 'input.topics'],
      ] as const) {
        const refused = await stack.request('POST', '/v1/schedules', { id, every: '24h', spec: { definition: 'nightly-digest', input: { topics } } });
        expect(refused.status).toBe(400);
        expect(refused.body.error).toMatchObject({ code: 'validation_failed', message: 'input does not fit the definition "nightly-digest"' });
        expect(refused.body.error.details).toEqual([expect.objectContaining({ path })]);
        expect((await stack.request('GET', `/v1/schedules/${id}`)).status).toBe(404);
      }
      const audited = await stack.client.listAdminAudit({ action: ['schedule.created'] });
      expect(audited.entries.map((entry) => entry.target).filter((target) => target?.startsWith('digest-'))).toEqual([]);
    });
  });

  describe('inbox-triage', () => {
    const send = async (runId: string, texts: string[]) => {
      for (const text of texts) expect((await stack.request('POST', `/v1/runs/${runId}/messages`, { text })).status).toBe(202);
    };

    it('labels each message by the first matching keyword rule, records it and emits it, until "done"', async () => {
      const runId = await startRun(stack, { definition: 'inbox-triage', input: {} });
      await send(runId, ['The site is DOWN, asap please', 'Where is my invoice?', 'Export has a bug', 'Thanks for the help', 'done']);
      const events = await waitForEnd(stack, runId);
      expect(events.at(-1)).toMatchObject({
        type: 'run.completed',
        data: { output: { triaged: 4, tally: { urgent: 1, billing: 1, bug: 1, other: 1 }, stoppedBy: 'done' } },
      });
      const received = events.filter((event) => event.type === 'message.received');
      expect(received).toHaveLength(5);
      const from = received[0]?.actor?.name ?? null; // the admin key's name
      expect(dataOf(events, 'custom.triaged')).toEqual([
        { index: 1, label: 'urgent', text: 'The site is DOWN, asap please', from },
        { index: 2, label: 'billing', text: 'Where is my invoice?', from },
        { index: 3, label: 'bug', text: 'Export has a bug', from },
        { index: 4, label: 'other', text: 'Thanks for the help', from },
      ]);
      expect(stepsOf(events)).toEqual(['record-1', 'record-2', 'record-3', 'record-4']);
      const run = (await stack.request('GET', `/v1/runs/${runId}`)).body.run;
      expect(run).toMatchObject({ status: 'completed', tags: ['inbox'] });
    });

    it('ends cleanly when no message comes within the idle timeout', async () => {
      const runId = await startRun(stack, { definition: 'inbox-triage', input: { idleTimeoutSeconds: 1 } });
      await send(runId, ['refund please']);
      const events = await waitForEnd(stack, runId);
      expect(events.at(-1)).toMatchObject({ type: 'run.completed', data: { output: { triaged: 1, tally: { billing: 1 }, stoppedBy: 'idle' } } });
      expect(typesOf(events).filter((type) => type.startsWith('run.'))).toEqual(['run.created', 'run.started', 'run.completed']);
    });

    it('stops at maxMessages with its own rules and fallback, leaving later messages untaken', async () => {
      const input = { rules: [{ label: 'sales', keywords: ['quote'] }], fallbackLabel: 'misc', maxMessages: 2 };
      const runId = await startRun(stack, { definition: 'inbox-triage', input });
      await send(runId, ['a quote for 10 seats', 'hello', 'a third one']);
      const events = await waitForEnd(stack, runId);
      expect(events.at(-1)).toMatchObject({ type: 'run.completed', data: { output: { triaged: 2, tally: { sales: 1, misc: 1 }, stoppedBy: 'max' } } });
      expect(dataOf(events, 'message.received')).toEqual([
        { index: 1, text: 'a quote for 10 seats' },
        { index: 2, text: 'hello' },
      ]);
    });

    it('refuses input that does not fit with 400 and the issues; no run starts', async () => {
      const before = await runCountOf(stack);
      const refused = await stack.request('POST', '/v1/runs', { definition: 'inbox-triage', input: { rules: [{ label: 'Bad Label', keywords: [] }] } });
      expect(refused.status).toBe(400);
      expect(refused.body.error.details.map((issue: { path: string }) => issue.path).sort()).toEqual(['input.rules.0.keywords', 'input.rules.0.label']);
      expect(await runCountOf(stack)).toBe(before);
    });
  });
});
