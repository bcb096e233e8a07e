import type { RawData } from 'ws';
import { AppError, describeIssues } from '../../lib/errors';
import { ClientFrame } from '../../lib/stream';

/** One ws frame from a client, through the stream's schema; `validation_failed` when it is not one. */
export function parseClientFrame(data: RawData): ClientFrame {
  let json: unknown;
  try {
    json = JSON.parse(data.toString());
  } catch {
    throw new AppError('validation_failed', 'frame is not valid JSON');
  }
  const parsed = ClientFrame.safeParse(json);
  if (!parsed.success) throw new AppError('validation_failed', 'invalid frame', describeIssues(parsed.error));
  return parsed.data;
}

/** `{runId, afterSeq}` when the frame is a valid run subscribe, for an error that refuses it; else nothing. */
export function refusedRunSubscribe(data: RawData): { runId: string; afterSeq: number } | Record<string, never> {
  try {
    const frame = parseClientFrame(data);
    if (frame.type === 'subscribe' && frame.runId) return { runId: frame.runId, afterSeq: frame.afterSeq ?? 0 };
  } catch {
    // Not a valid frame: the refusal it already got is all it needs.
  }
  return {};
}
