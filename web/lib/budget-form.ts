import { z } from 'zod';
import { budgetBody } from '../../lib/rest-schemas';

const usdAmount = z
  .string()
  .trim()
  .min(1, { error: 'give an amount in USD, or clear the budget', abort: true })
  .max(32, { error: 'a number of US dollars, like 50 or 12.50', abort: true })
  .regex(/^\d+(\.\d+)?$/, 'a number of US dollars, like 50 or 12.50')
  .transform(Number);

/**
 * The monthly budget form as it posts, `intent` being the button pressed, read into the body of
 * `PUT /v1/budget` and checked with the API's own schema (a positive amount up to its maximum).
 * The browser checks with it before sending, the server action again before calling the API.
 */
export const budgetForm = z
  .discriminatedUnion('intent', [z.object({ intent: z.literal('set'), monthlyUsd: usdAmount }), z.object({ intent: z.literal('clear') })])
  .transform((form) => ({ monthlyUsd: form.intent === 'set' ? form.monthlyUsd : null }))
  .pipe(budgetBody);

/** A failed check as errors by field (`monthlyUsd`; `intent` for a form that lost its button). */
export const budgetFormErrors = (error: z.ZodError): Record<string, string[]> => {
  const errors: Record<string, string[]> = {};
  for (const issue of error.issues) (errors[issue.path.join('.') || 'monthlyUsd'] ??= []).push(issue.message);
  return errors;
};
