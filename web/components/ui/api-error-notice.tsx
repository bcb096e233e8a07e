import { FlightdeckApiError, FlightdeckUnreachableError } from '@/lib/api';
import { Notice } from './page-header';

/** Expected API failures as a page state; anything else is rethrown to the route's error.tsx. */
export function ApiErrorNotice({ error, what }: { error: unknown; what: string }) {
  if (error instanceof FlightdeckUnreachableError) {
    return (
      <Notice title="Cannot reach the Flightdeck API">
        <p>
          Nothing answered at <code>{error.url}</code>. Start it with <code>npm start</code> in the repository root, or point <code>FLIGHTDECK_API_URL</code> at
          a running API, then reload.
        </p>
      </Notice>
    );
  }
  if (error instanceof FlightdeckApiError) {
    return (
      <Notice title={`Could not load ${what}`}>
        <p>
          <code>{error.code}</code> {error.message}
        </p>
      </Notice>
    );
  }
  throw error;
}
