import { NextResponse, type NextRequest } from 'next/server';
import { z } from 'zod';
import { clientFor, FlightdeckApiError, FlightdeckUnreachableError } from '@/lib/api';
import { SESSION_COOKIE, SESSION_MAX_AGE_S } from '@/lib/session';
import { isSameOriginRequest, safeNextPath } from '@/lib/sign-in-guards';

const signInForm = z.object({
  key: z.string().trim().min(16, 'an API key has at least 16 characters').max(500),
  // Only a same-origin path, so the form cannot be used to bounce someone to another site.
  next: z
    .unknown()
    .optional()
    .transform((next) => safeNextPath(next) ?? undefined),
});

// A relative Location: behind `next start`, request.url names the host Next listens as (e.g.
// localhost), which need not be the host the browser used — and the cookie belongs to the latter.
const back = (_request: NextRequest, path: string) => new NextResponse(null, { status: 303, headers: { location: path } });

/**
 * Sign in (a plain form POST, so it works before any script loads): the key is checked with
 * `GET /v1/me` and, if the API accepts it, kept in an httpOnly cookie. `?action=sign-out` clears it.
 */
export async function POST(request: NextRequest) {
  // Another site's form must not sign a browser in (with the attacker's key) or out.
  if (!isSameOriginRequest(request.headers)) return new NextResponse('cross-origin sign-in refused', { status: 403 });
  if (request.nextUrl.searchParams.get('action') === 'sign-out') {
    const response = back(request, '/sign-in?reason=signed-out');
    response.cookies.delete(SESSION_COOKIE);
    return response;
  }
  const form = signInForm.safeParse(Object.fromEntries((await request.formData()).entries()));
  if (!form.success) return back(request, `/sign-in?error=${encodeURIComponent(form.error.issues[0]?.message ?? 'invalid form')}`);
  try {
    await clientFor(form.data.key).me();
  } catch (error) {
    const message =
      error instanceof FlightdeckUnreachableError
        ? `the API at ${error.url} does not answer`
        : error instanceof FlightdeckApiError && error.status === 401
          ? 'the API does not accept this key'
          : 'the API could not check this key';
    return back(request, `/sign-in?error=${encodeURIComponent(message)}`);
  }
  const response = back(request, form.data.next ?? '/');
  response.cookies.set(SESSION_COOKIE, form.data.key, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    maxAge: SESSION_MAX_AGE_S,
    secure: request.nextUrl.protocol === 'https:',
  });
  return response;
}
