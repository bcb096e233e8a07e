import { defineRun, z } from 'flightdeck';

/** The bench's definition twin of an N-step echo plan: the same calls, one after another, named like the plan's steps. */
export default defineRun({
  name: 'bench-echo-chain',
  description: 'N builtin.echo calls in sequence (the bench compares it with the N-step echo plan).',
  input: z.object({ steps: z.number().int().min(1).max(1000) }),
  run: async (ctx, { steps }) => {
    for (let step = 1; step <= steps; step += 1) await ctx.tool('builtin.echo', { step }, { step: `step${step}` });
    return { steps };
  },
});
