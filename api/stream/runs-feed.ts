import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { RunStatus } from '../../lib/events';
import { findRun } from '../../lib/runs-store';
import type { EventNotice } from '../event-notifier';
import { presentRun, type PresenterContext, type RunView } from '../presenters';
import type { FrameSink } from './socket';

export interface RunsFilter {
  status?: RunStatus[];
  tags?: string[];
}

interface ListSubscription {
  filter: RunsFilter;
  /** The lastSeq of each run last sent: never send a run older than what the client has. */
  listedVersions: Map<string, number>;
}

const maxListedVersions = 10_000;

/**
 * The runs-list feed: a connection subscribed with a filter gets each run of its tenant that
 * changed and matches, as a `run` frame, and once more a run that stopped matching (so it can
 * drop it from its list).
 */
export class RunsFeed {
  private readonly subscriptions = new Map<FrameSink, ListSubscription>();

  constructor(private readonly options: { db: Knex; presenter: PresenterContext; log: Logger }) {}

  /** A new filter replaces the old; what was sent stays known, so no run goes back in time. */
  subscribe(sink: FrameSink, filter: RunsFilter): void {
    const subscription = this.subscriptions.get(sink);
    if (subscription) subscription.filter = filter;
    else this.subscriptions.set(sink, { filter, listedVersions: new Map() });
    sink.send({ type: 'subscribed', runs: true });
  }

  unsubscribe(sink: FrameSink): void {
    this.subscriptions.get(sink)?.listedVersions.clear();
    this.subscriptions.delete(sink);
  }

  drop(sink: FrameSink): void {
    this.subscriptions.delete(sink);
  }

  close(): void {
    this.subscriptions.clear();
  }

  onNotice(notice: EventNotice): void {
    let runView: Promise<RunView | null> | null = null;
    for (const [sink, subscription] of this.subscriptions) {
      // Filtered to the notice's tenant, so the read is theirs alone.
      if (sink.principal.tenantId !== notice.tenantId) continue;
      // One read per notice, shared by every list subscriber of the tenant.
      runView ??= findRun(this.options.db, notice.tenantId, notice.runId).then((run) =>
        run ? presentRun(this.options.presenter, run, { withSpec: false }) : null,
      );
      const { filter, listedVersions } = subscription;
      runView
        .then((run) => {
          if (!run || run.lastSeq <= (listedVersions.get(run.id) ?? 0)) return;
          const matches = (!filter.status || filter.status.includes(run.status)) && (!filter.tags || filter.tags.every((tag) => run.tags.includes(tag)));
          // A run that leaves the filter is sent once more, so the client can drop it from its list.
          if (!matches && !listedVersions.has(run.id)) return;
          rememberListed(listedVersions, run.id, run.lastSeq);
          sink.send({ type: 'run', run });
        })
        .catch((error: unknown) => this.options.log.warn({ err: error }, 'runs list update failed'));
    }
  }
}

function rememberListed(listedVersions: Map<string, number>, runId: string, lastSeq: number): void {
  listedVersions.delete(runId);
  listedVersions.set(runId, lastSeq);
  if (listedVersions.size > maxListedVersions) {
    const oldest = listedVersions.keys().next().value;
    if (oldest !== undefined) listedVersions.delete(oldest);
  }
}
