import { defineRun, z } from 'flightdeck';

export default defineRun({
  name: 'echo-twice',
  description: 'Echoes a word twice in parallel, then joins the echoes.',
  input: z.object({ word: z.string().min(1) }),
  output: z.object({ joined: z.string() }),
  defaults: { tags: ['demo'], limits: { deadline: '10m' } },
  run: async (ctx, { word }) => {
    const [a, b] = await Promise.all([
      ctx.tool<{ word: string }>('builtin.echo', { word }),
      ctx.tool<{ word: string }>('builtin.echo', { word: word.toUpperCase() }),
    ]);
    const joined = await ctx.tool<{ joined: string }>('builtin.echo', { joined: `${a.word}-${b.word}` }, { step: 'join' });
    return { joined: joined.joined };
  },
});
