import { defineRun, z } from 'flightdeck';

/**
 * Issues a refund that was already approved: books it, then tells the customer. `refund` runs it as
 * a child run (ctx.run); builtin.echo stands in for the payment provider and the mailer.
 */
export default defineRun({
  name: 'issue-refund',
  description: 'Books an approved refund and notifies the customer (builtin.echo stands in for the payment provider).',
  input: z.object({ orderId: z.string().min(1), amount: z.number().positive(), currency: z.string().length(3) }),
  output: z.object({ receipt: z.string(), amount: z.number(), currency: z.string() }),
  defaults: { tags: ['refunds'] },
  run: async (ctx, { orderId, amount, currency }) => {
    const booked = await ctx.tool<{ receipt: string }>(
      'builtin.echo',
      { receipt: `refund-${orderId}-${amount}${currency}`, orderId, amount },
      { step: 'book' },
    );
    await ctx.tool('builtin.echo', { to: `customer of ${orderId}`, text: `We refunded ${amount} ${currency}.` }, { step: 'notify' });
    return { receipt: booked.receipt, amount, currency };
  },
});
