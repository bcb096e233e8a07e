import type { Metadata } from 'next';
import Link from 'next/link';
import { CancelRunButton } from '@/components/runs/cancel-run-button';
import { ReplayRunButton } from '@/components/runs/derive-run-dialogs';
import { RunFacts } from '@/components/runs/run-facts';
import { RunLive } from '@/components/runs/run-live';
import { ApiErrorNotice } from '@/components/ui/api-error-notice';
import { JsonBlock, PageHeader } from '@/components/ui/page-header';
import { StatusBadge } from '@/components/ui/status-badge';
import { FlightdeckApiError, type FlightdeckClient, type RunEvent } from '@/lib/api';
import { eventsAsOfRun } from '@/lib/run-snapshot';
import { requireSession } from '@/lib/session';
import { terminalStatuses } from '../../../../../lib/events';

export const dynamic = 'force-dynamic';

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  return { title: `Run ${(await params).id}` };
}

/** Every stored event, a page of up to 1,000 at a time; the live stream takes over after the last. */
async function allEvents(client: FlightdeckClient, runId: string): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  for (let afterSeq = 0; ;) {
    const page = await client.listEvents(runId, { afterSeq, limit: 1000 });
    events.push(...page.events);
    if (page.events.length === 0 || page.nextAfterSeq >= page.lastSeq) return events;
    afterSeq = page.nextAfterSeq;
  }
}

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const session = await requireSession();
  let loaded;
  try {
    const [run, events, verification] = await Promise.all([session.client.getRun(id), allEvents(session.client, id), session.client.verifyRun(id)]);
    loaded = { run, events: eventsAsOfRun(run, events), verification };
  } catch (error) {
    if (error instanceof FlightdeckApiError && error.status === 404) {
      return (
        <>
          <PageHeader title="Run not found" />
          <p className="muted text-sm">
            No run <code>{id}</code> in your tenant. It may belong to another tenant, or the link is wrong.{' '}
            <Link href="/" className="link">
              Back to runs
            </Link>
          </p>
        </>
      );
    }
    return (
      <>
        <PageHeader title={`Run ${id}`} />
        <ApiErrorNotice error={error} what="this run" />
      </>
    );
  }
  const { run, events, verification } = loaded;
  const ended = terminalStatuses.has(run.status);
  const conversational = run.spec.agent?.conversational === true;

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-sm">
        <Link href="/" className="link">
          Runs
        </Link>{' '}
        {run.parentRunId && (
          <>
            <span className="muted">/</span>{' '}
            <Link href={`/runs/${encodeURIComponent(run.parentRunId)}`} className="link" title="The run whose ctx.run started this one">
              {run.parentRunId}
            </Link>{' '}
          </>
        )}
        <span className="muted">/ {run.id}</span>
      </nav>
      <PageHeader
        title={
          <span className="flex flex-wrap items-center gap-3">
            <span className="break-all">{run.name ?? run.id}</span>
            <StatusBadge status={run.status} />
          </span>
        }
        description={<code>{run.id}</code>}
        actions={
          <>
            <a href={run.temporalUrl} target="_blank" rel="noreferrer" className="btn">
              Open in Temporal UI <span aria-hidden>↗</span>
              <span className="sr-only">(opens in a new tab)</span>
            </a>
            {session.can('operator') && ended && <ReplayRunButton runId={run.id} />}
            {session.can('operator') && !ended && <CancelRunButton runId={run.id} />}
          </>
        }
      />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]">
        <div className="min-w-0">
          <RunLive
            runId={run.id}
            initialEvents={events}
            ended={ended}
            chat={conversational ? { canSend: session.can('operator') && !ended } : null}
            canFork={session.can('operator')}
          />
        </div>
        <aside className="min-w-0 space-y-4">
          <RunFacts run={run} verification={verification} modelCalls={events.filter((event) => event.type === 'model.called').length} />
          <section aria-labelledby="input-heading">
            <h2 id="input-heading" className="mb-1 text-sm font-semibold">
              Input
            </h2>
            <JsonBlock value={run.spec.input ?? {}} label="Run input" />
          </section>
          <section aria-labelledby="output-heading">
            <h2 id="output-heading" className="mb-1 text-sm font-semibold">
              Output
            </h2>
            {run.output === null || run.output === undefined ? (
              <p className="muted text-sm">{ended ? 'No output.' : 'Not finished yet.'}</p>
            ) : (
              <JsonBlock value={run.output} label="Run output" />
            )}
          </section>
          <details className="card p-3">
            <summary className="cursor-pointer text-sm font-semibold">Spec</summary>
            <div className="mt-2">
              <JsonBlock value={run.spec} label="Run spec" />
            </div>
          </details>
        </aside>
      </div>
    </>
  );
}
