import type { RunDetail } from '@/lib/api';
import type { RunVerification } from '../../../lib/api-client/schemas';
import Link from 'next/link';
import { Timestamp } from '@/components/ui/timestamp';
import { costSummary, formatCount, tokensSummary } from '@/lib/usage';

/** The run a replay or a fork reuses the results of, and from where. */
function OriginLink({ origin }: { origin: NonNullable<RunDetail['spec']['origin']> }) {
  return (
    <span>
      <Link href={`/runs/${encodeURIComponent(origin.runId)}`} className="link" data-testid="origin-run">
        {origin.runId}
      </Link>
      {origin.fromSeq !== undefined && <span className="muted"> from seq {origin.fromSeq}</span>}
    </span>
  );
}

/** The run's model calls together: tokens, and the cost when every call had a price. */
function ModelUsage({ usage, modelCalls }: { usage: RunDetail['usage']; modelCalls: number }) {
  return (
    <span data-testid="model-usage" data-cost-usd={usage.costUsd ?? 'unpriced'} data-unpriced-calls={usage.unpricedCalls}>
      <span className="block">
        {modelCalls === 1 ? '1 call' : `${formatCount(modelCalls)} calls`}, {formatCount(usage.totalTokens)} tokens: {tokensSummary(usage)}
      </span>
      <span className="block">{costSummary(usage, modelCalls)}</span>
    </span>
  );
}

/** `modelCalls`: how many model.called events the run has, for the model usage row (shown only when there are any). */
export function RunFacts({ run, verification, modelCalls }: { run: RunDetail; verification: RunVerification; modelCalls: number }) {
  const { origin } = run.spec;
  const rows: Array<[string, React.ReactNode]> = [
    ['Mode', run.mode],
    ['Tags', run.tags.length ? run.tags.join(', ') : '—'],
    ['Started by', run.createdBy ? `${run.createdBy.name ?? run.createdBy.id} (${run.createdBy.role ?? run.createdBy.type})` : 'system'],
    ['Created', <Timestamp key="c" iso={run.createdAt} />],
    ['Started', run.startedAt ? <Timestamp key="s" iso={run.startedAt} /> : '—'],
    ['Ended', run.completedAt ? <Timestamp key="e" iso={run.completedAt} /> : '—'],
    ...(origin ? [[origin.mode === 'replay' ? 'Replay of' : 'Fork of', <OriginLink key="o" origin={origin} />] as [string, React.ReactNode]] : []),
    ['Tool calls', `${run.toolCalls.succeeded} succeeded, ${run.toolCalls.failed} failed attempts, ${run.toolCalls.started} started`],
    ...(modelCalls > 0 ? [['Model usage', <ModelUsage key="u" usage={run.usage} modelCalls={modelCalls} />] as [string, React.ReactNode]] : []),
  ];
  return (
    <section className="card p-4" aria-labelledby="facts-heading">
      <h2 id="facts-heading" className="sr-only">
        Run details
      </h2>
      <dl className="grid grid-cols-[7rem_1fr] gap-x-3 gap-y-1.5 text-sm">
        {rows.map(([term, value]) => (
          <div key={term} className="contents">
            <dt className="muted">{term}</dt>
            <dd className="min-w-0 break-words">{value}</dd>
          </div>
        ))}
      </dl>
      {run.lastError && run.status === 'failed' && (
        <p className="mt-3 rounded-md bg-red-50 p-2 text-sm text-red-900 dark:bg-red-950/60 dark:text-red-200">
          <span className="font-semibold">{run.lastError.errorClass}</span>: {run.lastError.message}
        </p>
      )}
      <div className="mt-3 border-t border-zinc-200 pt-3 text-sm dark:border-zinc-800" data-testid="verification" data-ok={verification.ok}>
        {verification.ok ? (
          <p className="text-emerald-800 dark:text-emerald-300">
            <span aria-hidden>✓ </span>Hash chain verified: {verification.chain.events} events, head matches.
          </p>
        ) : (
          <p className="text-red-800 dark:text-red-300" role="alert">
            <span aria-hidden>✗ </span>Hash chain broken
            {verification.chain.firstBroken
              ? ` at seq ${verification.chain.firstBroken.seq} (${verification.chain.firstBroken.reason})`
              : ': the head does not match the log'}
            .
          </p>
        )}
        <p className="muted text-xs">Checked when this page loaded.</p>
      </div>
    </section>
  );
}
