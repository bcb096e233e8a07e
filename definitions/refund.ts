import { defineRun, z } from 'flightdeck';
import issueRefund from './issue-refund';

/**
 * Refunds an order once an approver agrees to the amount (they may lower it); the refund itself
 * runs as a child run of `issue-refund`, with its own id and log, cancelled with this run.
 */
export default defineRun({
  name: 'refund',
  description: 'Asks an approver to agree to a refund (the amount is editable), then issues it as a child run (issue-refund).',
  input: z.object({
    orderId: z.string().min(1),
    amount: z.number().positive(),
    currency: z.string().length(3).default('EUR'),
    reason: z.string().max(500).optional(),
  }),
  output: z.object({ refunded: z.boolean(), amount: z.number(), receipt: z.string().nullable() }),
  defaults: { tags: ['refunds'] },
  run: async (ctx, { orderId, amount, currency, reason }) => {
    const decision = await ctx.approval({
      title: `Refund ${amount} ${currency} on order ${orderId}?`,
      data: { amount, ...(reason ? { reason } : {}) },
      step: 'approve',
    });
    if (!decision.approved) return { refunded: false, amount: 0, receipt: null };
    // What the approver approved: an edited amount that is not a positive number fails the child's input check here.
    const issued = await ctx.run(issueRefund, { orderId, amount: decision.data.amount as number, currency }, { step: 'issue' });
    return { refunded: true, amount: issued.amount, receipt: issued.receipt };
  },
});
