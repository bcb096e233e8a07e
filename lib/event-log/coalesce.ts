import type { NewEvent, RunEvent } from '../events';
import type { RunProjection } from '../run-projection';

/** What a write of (merged) facts returns: the events it stored with their dedupe keys, and the run after it. */
export interface KeyedWrite {
  stored: RunEvent[];
  /** `stored[i]`'s dedupe key. */
  storedKeys: string[];
  run: RunProjection | null;
}

interface Waiter {
  facts: NewEvent[];
  resolve(result: KeyedWrite): void;
  reject(error: unknown): void;
}

/** The most facts one merged write takes; waiters beyond it go in the next. */
const maxMergedFacts = 500;

/**
 * Group commit per run, in one process. Writers of a run are serialised by its row anyway: when N
 * tool calls of one run append at once, one optimistic statement wins and N−1 queue on the row
 * lock, each its own transaction. Here an append to a run with none in flight writes at once; the
 * appends that arrive while it is in flight wait and go together in the next write (one statement
 * when nothing else wrote the run meanwhile), each caller getting the events of its own facts.
 */
export class AppendCoalescer {
  private readonly waiting = new Map<string, Waiter[]>();

  append(target: { tenantId: string; runId: string }, facts: NewEvent[], write: (facts: NewEvent[]) => Promise<KeyedWrite>): Promise<KeyedWrite> {
    const key = `${target.tenantId}\u0000${target.runId}`;
    const queue = this.waiting.get(key);
    if (queue) return new Promise((resolve, reject) => queue.push({ facts, resolve, reject }));
    this.waiting.set(key, []);
    const written = write(facts);
    void written.catch(() => undefined).then(() => this.drain(key, write));
    return written;
  }

  /** Writes what queued behind the write in flight, batch after batch, until nothing waits. */
  private async drain(key: string, write: (facts: NewEvent[]) => Promise<KeyedWrite>): Promise<void> {
    for (;;) {
      const queue = this.waiting.get(key) ?? [];
      if (queue.length === 0) {
        this.waiting.delete(key);
        return;
      }
      const batch = takeBatch(queue);
      await writeTogether(batch, write);
    }
  }
}

/** The first waiters of `queue` (removed from it) whose facts fit one merged write; at least one. */
function takeBatch(queue: Waiter[]): Waiter[] {
  let facts = 0;
  let count = 0;
  while (count < queue.length && (count === 0 || facts + queue[count]!.facts.length <= maxMergedFacts)) {
    facts += queue[count]!.facts.length;
    count += 1;
  }
  return queue.splice(0, count);
}

async function writeTogether(batch: Waiter[], write: (facts: NewEvent[]) => Promise<KeyedWrite>): Promise<void> {
  if (batch.length === 1) {
    await write(batch[0]!.facts).then(batch[0]!.resolve, batch[0]!.reject);
    return;
  }
  let merged: KeyedWrite;
  try {
    merged = await write(batch.flatMap((waiter) => waiter.facts));
  } catch {
    // Nothing of the merged write was stored; whatever failed it, each waiter's own write decides for it.
    for (const waiter of batch) await write(waiter.facts).then(waiter.resolve, waiter.reject);
    return;
  }
  // Each stored event goes to the first waiter that named its key, as if they had appended one by one.
  const owner = new Map<string, Waiter>();
  for (const waiter of batch) for (const fact of waiter.facts) if (!owner.has(fact.dedupeKey)) owner.set(fact.dedupeKey, waiter);
  const own = new Map<Waiter, Pick<KeyedWrite, 'stored' | 'storedKeys'>>(batch.map((waiter) => [waiter, { stored: [], storedKeys: [] }]));
  merged.stored.forEach((event, index) => {
    const key = merged.storedKeys[index]!;
    const mine = own.get(owner.get(key)!)!;
    mine.stored.push(event);
    mine.storedKeys.push(key);
  });
  for (const waiter of batch) waiter.resolve({ ...own.get(waiter)!, run: merged.run });
}
