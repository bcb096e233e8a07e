import { customEventDataSchema } from './event-schemas';
import { approvalRequestSchema, factDataMaxBytes } from './run-spec';

describe('the data a definition puts in its own facts', () => {
  const justFits = { text: 'x'.repeat(factDataMaxBytes - '{"text":""}'.length) };
  const tooBig = { text: `${justFits.text}x` };

  it('takes ctx.approval data up to the cap and refuses a byte more, naming the cap', () => {
    expect(approvalRequestSchema.safeParse({ title: 'Refund?', data: justFits }).success).toBe(true);
    const refused = approvalRequestSchema.safeParse({ title: 'Refund?', data: tooBig });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]).toMatchObject({ path: ['data'], message: `data is larger than ${factDataMaxBytes} bytes of JSON` });
  });

  it('caps ctx.emit data the same way', () => {
    expect(customEventDataSchema.safeParse(justFits).success).toBe(true);
    expect(customEventDataSchema.safeParse(tooBig).error?.issues[0]?.message).toBe(`custom event data is larger than ${factDataMaxBytes} bytes of JSON`);
  });

  it('counts UTF-8 bytes, not characters', () => {
    const euros = { text: '€'.repeat(Math.ceil(factDataMaxBytes / 3)) };
    expect(approvalRequestSchema.safeParse({ title: 'Refund?', data: euros }).success).toBe(false);
  });
});
