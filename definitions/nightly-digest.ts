import { defineRun, z } from 'flightdeck';

/** A topic names its gather step (`gather-<topic>`), so it is held to what a step name may hold. */
const topicSchema = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'a lower-case word like "releases" or "on-call"');

const sectionSchema = z.object({ topic: z.string(), items: z.array(z.string()) });

/**
 * A nightly digest, meant to be started by a schedule (docs/runs.md, "Shipped examples"): one
 * gather call per topic, a few at a time, then one digest, recorded as `custom.digest` and returned.
 * The gather call is `builtin.echo`, which needs no account: put a feed or search tool in its place.
 */
export default defineRun({
  name: 'nightly-digest',
  description: 'Gathers the news of each topic since a point in time, a few topics at a time, and sends one digest.',
  input: z.object({
    topics: z
      .array(topicSchema)
      .min(1)
      .max(20)
      .refine((topics) => new Set(topics).size === topics.length, 'each topic once')
      .default(['releases', 'incidents', 'on-call']),
    /** What the gather tool reads back to: a duration ("24h") or a date ("2026-12-06"); no clock is read here. */
    since: z.string().min(1).max(40).default('24h'),
    concurrency: z.number().int().min(1).max(10).default(3),
  }),
  output: z.object({ title: z.string(), since: z.string(), sections: z.array(sectionSchema), itemCount: z.number().int() }),
  defaults: { tags: ['digest', 'nightly'], limits: { deadline: '30m' } },
  run: async (ctx, { topics, since, concurrency }) => {
    const sections = await ctx.map(
      topics,
      async (topic) => {
        const gathered = await ctx.tool<{ items: string[] }>(
          'builtin.echo',
          { topic, since, items: [`${topic}: what changed since ${since}`] },
          { step: `gather-${topic}` },
        );
        return { topic, items: gathered.items };
      },
      { concurrency },
    );
    const itemCount = sections.reduce((count, section) => count + section.items.length, 0);
    const digest = { title: `Digest of ${topics.length} topics since ${since}: ${itemCount} items`, since, sections, itemCount };
    await ctx.emit('digest', digest);
    return digest;
  },
});
