import 'server-only';
import { FlightdeckApiError, FlightdeckUnreachableError } from './api';

/** What a form's server action hands back: a message, and per-field errors keyed by the API's detail paths. */
export interface ActionResult {
  ok: boolean;
  message: string | null;
  fieldErrors: Record<string, string[]>;
  /** Something to show once (a created key), or where to go. */
  value?: string;
}

export const initialActionResult: ActionResult = { ok: false, message: null, fieldErrors: {} };

const pathOf = (detail: Record<string, unknown>): string => {
  const path = detail.path;
  if (Array.isArray(path)) return path.map(String).join('.');
  return typeof path === 'string' ? path : '';
};

/** A failed API call as form state: 400/422 details (`[{path, message}]`) become field errors. */
export function failure(error: unknown): ActionResult {
  if (error instanceof FlightdeckUnreachableError)
    return { ok: false, message: `The API at ${error.url} does not answer. Try again in a moment.`, fieldErrors: {} };
  if (!(error instanceof FlightdeckApiError)) throw error;
  const fieldErrors: Record<string, string[]> = {};
  if (Array.isArray(error.details)) {
    for (const detail of error.details) {
      if (typeof detail !== 'object' || detail === null) continue;
      const entry = detail as Record<string, unknown>;
      const path = pathOf(entry);
      (fieldErrors[path] ??= []).push(typeof entry.message === 'string' ? entry.message : JSON.stringify(entry));
    }
  }
  return { ok: false, message: `${error.message} (${error.code})`, fieldErrors };
}
