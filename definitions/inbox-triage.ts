import { defineRun, z } from 'flightdeck';

const labelSchema = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, 'a lower-case word like "billing"');

const ruleSchema = z.object({ label: labelSchema, keywords: z.array(z.string().min(1).max(40)).min(1).max(50) });
type Rule = z.infer<typeof ruleSchema>;

const defaultRules: Rule[] = [
  { label: 'urgent', keywords: ['urgent', 'asap', 'outage', 'down'] },
  { label: 'billing', keywords: ['invoice', 'refund', 'charge', 'payment'] },
  { label: 'bug', keywords: ['bug', 'error', 'crash', 'broken'] },
];

/** The label of the first rule with a keyword among the text's words (case-insensitive), else `fallback`. */
function labelOf(text: string, rules: Rule[], fallback: string): string {
  const words = new Set(text.toLowerCase().split(/[^\p{L}\p{N}]+/u));
  return rules.find((rule) => rule.keywords.some((keyword) => words.has(keyword.toLowerCase())))?.label ?? fallback;
}

/**
 * Triages an inbox as chat messages come in (`POST /v1/runs/:id/messages`): each one gets the label
 * of the first matching keyword rule, is recorded with a tool call (`builtin.echo`, a stand-in for a
 * ticketing tool) and as `custom.triaged`. Stops on the message "done", when none comes within
 * `idleTimeoutSeconds`, or after `maxMessages`; returns the tally per label.
 */
export default defineRun({
  name: 'inbox-triage',
  description: 'Labels each chat message sent to the run by keyword rules until "done", an idle timeout or a maximum count; returns the tally.',
  input: z.object({
    rules: z.array(ruleSchema).min(1).max(20).default(defaultRules),
    fallbackLabel: labelSchema.default('other'),
    idleTimeoutSeconds: z.number().int().min(1).max(86_400).default(3600),
    maxMessages: z.number().int().min(1).max(200).default(100),
  }),
  output: z.object({
    triaged: z.number().int(),
    tally: z.record(z.string(), z.number().int()),
    stoppedBy: z.enum(['done', 'idle', 'max']),
  }),
  defaults: { tags: ['inbox'], limits: { deadline: '7d' } },
  run: async (ctx, { rules, fallbackLabel, idleTimeoutSeconds, maxMessages }) => {
    const tally: Record<string, number> = {};
    const result = (stoppedBy: 'done' | 'idle' | 'max') => ({ triaged: Object.values(tally).reduce((sum, n) => sum + n, 0), tally, stoppedBy });
    for (let index = 1; index <= maxMessages; index += 1) {
      const message = await ctx.waitForMessage({ timeout: idleTimeoutSeconds * 1000 });
      if (message === null) return result('idle');
      if (message.text.trim().toLowerCase() === 'done') return result('done');
      const label = labelOf(message.text, rules, fallbackLabel);
      await ctx.tool('builtin.echo', { index, label, text: message.text }, { step: `record-${index}` });
      tally[label] = (tally[label] ?? 0) + 1;
      await ctx.emit('triaged', { index, label, text: message.text, from: message.actor?.name ?? null });
    }
    return result('max');
  },
});
