import type { Metadata } from 'next';
import { safeNextPath } from '@/lib/sign-in-guards';

export const metadata: Metadata = { title: 'Sign in' };

const REASONS: Record<string, string> = {
  expired: 'The API no longer accepts your key (revoked?). Sign in again.',
  'signed-out': 'You are signed out.',
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { error, reason, next } = await searchParams;
  const errorText = typeof error === 'string' ? error : null;
  const reasonText = typeof reason === 'string' ? REASONS[reason] : undefined;
  return (
    <main className="mx-auto flex min-h-screen max-w-md flex-col justify-center px-4 py-12">
      <div className="mb-6 flex items-center gap-2 text-lg font-semibold">
        <span aria-hidden className="grid size-7 place-items-center rounded bg-blue-700 text-sm text-white">
          F
        </span>
        Flightdeck
      </div>
      <section className="card p-6">
        <h1 className="text-xl font-semibold">Sign in with an API key</h1>
        {reasonText && <p className="muted mt-2 text-sm">{reasonText}</p>}
        <form action="/api/session" method="post" className="mt-4 space-y-3">
          <input type="hidden" name="next" value={safeNextPath(next) ?? '/'} />
          <div>
            <label htmlFor="key" className="label">
              API key
            </label>
            <input
              id="key"
              name="key"
              type="password"
              required
              minLength={16}
              autoComplete="current-password"
              className="input font-mono"
              aria-invalid={errorText ? true : undefined}
              aria-describedby={errorText ? 'key-error' : 'key-help'}
            />
            {errorText && (
              <p id="key-error" role="alert" className="mt-1 text-sm text-red-700 dark:text-red-400">
                {errorText}
              </p>
            )}
          </div>
          <button type="submit" className="btn btn-primary w-full">
            Sign in
          </button>
        </form>
        <div id="key-help" className="muted mt-5 space-y-2 border-t border-zinc-200 pt-4 text-sm dark:border-zinc-800">
          <p>
            First start? <code>npm start</code> printed an admin key; it is also kept in <code>.data/admin-key</code> (or is the{' '}
            <code>FLIGHTDECK_ADMIN_KEY</code> you set).
          </p>
          <p>
            Anyone else: ask an admin for a key (API keys page, or <code>npx flightdeck keys create</code>). The key stays on the dashboard&apos;s server, in an
            httpOnly cookie.
          </p>
        </div>
      </section>
    </main>
  );
}
