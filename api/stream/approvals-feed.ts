import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { ApprovalRow } from '../../lib/approval-projection';
import { presentApproval } from '../../domains/approvals';
import type { EventNotice } from '../event-notifier';
import type { FrameSink } from './socket';

/**
 * The approvals inbox feed: a subscribed connection gets each approval of its tenant's runs that
 * changed, as an `approval` frame, once per change.
 */
export class ApprovalsFeed {
  /** The updated_seq last sent per approval, by connection. */
  private readonly inboxes = new Map<FrameSink, Map<string, number>>();

  constructor(private readonly options: { db: Knex; log: Logger }) {}

  /** Subscribing again starts afresh. */
  subscribe(sink: FrameSink): void {
    this.inboxes.set(sink, new Map());
    sink.send({ type: 'subscribed', approvals: true });
  }

  unsubscribe(sink: FrameSink): void {
    this.inboxes.delete(sink);
  }

  drop(sink: FrameSink): void {
    this.inboxes.delete(sink);
  }

  close(): void {
    this.inboxes.clear();
  }

  onNotice(notice: EventNotice): void {
    let approvals: Promise<ApprovalRow[]> | null = null;
    for (const sink of this.inboxes.keys()) {
      // Filtered to the notice's tenant and run, so the read is theirs alone; one read for all of them.
      if (sink.principal.tenantId !== notice.tenantId) continue;
      // Resolved once here: a query builder run by each `then` would query once per subscriber.
      approvals ??= Promise.resolve(this.options.db<ApprovalRow>('approvals').where({ run_id: notice.runId, tenant_id: notice.tenantId }));
      approvals
        .then((rows) => {
          const sent = this.inboxes.get(sink);
          if (!sent) return;
          for (const row of rows) {
            if (row.updated_seq <= (sent.get(row.id) ?? 0)) continue;
            sent.set(row.id, row.updated_seq);
            sink.send({ type: 'approval', approval: presentApproval(row) });
          }
        })
        .catch((error: unknown) => this.options.log.warn({ err: error }, 'approvals inbox update failed'));
    }
  }
}
