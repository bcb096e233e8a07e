import { defineRun, z } from 'flightdeck';

/** N builtin.echo calls at once (`Promise.all`): how the wall time of one run grows with its parallel calls. */
export default defineRun({
  name: 'bench-fan-out',
  description: 'N builtin.echo calls in parallel in one run.',
  input: z.object({ calls: z.number().int().min(1).max(1000) }),
  run: async (ctx, { calls }) => {
    await Promise.all(Array.from({ length: calls }, (_, index) => ctx.tool('builtin.echo', { index }, { step: `call${index}` })));
    return { calls };
  },
});
