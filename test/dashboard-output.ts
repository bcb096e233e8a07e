/**
 * What the dashboard serves a signed-in user, as text, for tests that search it (secrets.test.ts):
 * each page as HTML and as the RSC payload client navigation fetches, and each run's live SSE
 * stream read to its end.
 */
const dashboardPages = ['/', '/tools', '/connections', '/approvals', '/keys'];

/** Signs in with `key` through the dashboard's own form route; returns the session cookie to send. */
export async function signInToDashboard(dashboardUrl: string, key: string): Promise<string> {
  const response = await fetch(`${dashboardUrl}/api/session`, { method: 'POST', body: new URLSearchParams({ key, next: '/' }), redirect: 'manual' });
  const cookie = response.headers.getSetCookie().find((header) => header.startsWith('flightdeck_key='));
  if (response.status !== 303 || !cookie) throw new Error(`sign-in answered ${response.status} ${response.headers.get('location')}`);
  return cookie.split(';')[0]!;
}

export interface DashboardOutput {
  /** `<path> <HTML|RSC|SSE> <status> <headers>\n<body>` per response. */
  responses: string[];
  /** Each run's SSE stream, for checking it really carried the run. */
  liveStreams: Map<string, string>;
}

export async function collectDashboardOutput(dashboardUrl: string, cookie: string, runIds: string[]): Promise<DashboardOutput> {
  const responses: string[] = [];
  const record = async (label: string, response: Response) => {
    const body = await response.text();
    responses.push(`${label} ${response.status} ${JSON.stringify(Object.fromEntries(response.headers))}\n${body}`);
    return body;
  };
  for (const page of [...dashboardPages, ...runIds.map((runId) => `/runs/${runId}`)]) {
    await record(`${page} HTML`, await fetch(`${dashboardUrl}${page}`, { headers: { cookie } }));
    await record(`${page} RSC`, await fetch(`${dashboardUrl}${page}`, { headers: { cookie, rsc: '1' } }));
  }
  const liveStreams = new Map<string, string>();
  for (const runId of runIds) {
    // The run has ended: its stream replays every event, sends `end` and closes.
    const response = await fetch(`${dashboardUrl}/api/live/runs/${runId}?afterSeq=0`, { headers: { cookie }, signal: AbortSignal.timeout(60_000) });
    liveStreams.set(runId, await record(`/api/live/runs/${runId} SSE`, response));
  }
  return { responses, liveStreams };
}
