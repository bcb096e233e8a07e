import { z } from 'zod';
import { describeIssues } from './errors';

/**
 * An env var that holds JSON of `schema` (FLIGHTDECK_APPROVAL_POLICY, FLIGHTDECK_MCP_SERVERS):
 * unset or blank is `whenUnset`; text that is not JSON, or JSON that does not fit, is an issue per
 * problem, naming where it is and never repeating the value (it may hold secrets).
 */
export function jsonEnv<S extends z.ZodType>(schema: S, whenUnset: z.output<S>) {
  return z
    .string()
    .optional()
    .transform((text, context): z.output<S> => {
      if (text === undefined || text.trim() === '') return whenUnset;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        context.addIssue({ code: 'custom', message: `must be JSON (this is not JSON: ${(error as Error).message})` });
        return z.NEVER;
      }
      const parsed = schema.safeParse(json);
      if (parsed.success) return parsed.data;
      for (const issue of describeIssues(parsed.error)) context.addIssue({ code: 'custom', message: `${issue.path}: ${issue.message}` });
      return z.NEVER;
    });
}
