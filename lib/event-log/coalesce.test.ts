import type { NewEvent, RunEvent } from '../events';
import { AppendCoalescer, type KeyedWrite } from './coalesce';

const fact = (key: string): NewEvent => ({ type: 'custom.note', dedupeKey: key, data: {} }) as NewEvent;
const target = { tenantId: 't1', runId: 'run_1' };

/** A write that stores every key it has not seen (as the log does), resolved when the test releases it. */
function recordingWrite(options: { failWhen?: (keys: string[]) => boolean } = {}) {
  const stored = new Set<string>();
  const calls: string[][] = [];
  const gates: Array<() => void> = [];
  let seq = 0;
  const write = (facts: NewEvent[]): Promise<KeyedWrite> => {
    const keys = facts.map((one) => one.dedupeKey);
    calls.push(keys);
    return new Promise<void>((release) => gates.push(release)).then(() => {
      if (options.failWhen?.(keys)) throw new Error(`refused ${keys.join(',')}`);
      const fresh = [...new Set(keys)].filter((key) => !stored.has(key));
      for (const key of fresh) stored.add(key);
      const events = fresh.map((key) => ({ runId: target.runId, seq: (seq += 1), type: 'custom.note', data: { key } }) as unknown as RunEvent);
      return { stored: events, storedKeys: fresh, run: null };
    });
  };
  /** Lets every write started so far finish, then waits a tick for the next ones to start. */
  const releaseAll = async () => {
    for (const release of gates.splice(0)) release();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { write, calls, releaseAll };
}

const keysOf = (result: KeyedWrite) => result.storedKeys;

describe('AppendCoalescer (group commit per run)', () => {
  it('writes the first append at once and merges those that arrive meanwhile into one write, each getting its own events', async () => {
    const { write, calls, releaseAll } = recordingWrite();
    const coalescer = new AppendCoalescer();
    const first = coalescer.append(target, [fact('a')], write);
    const rest = ['b', 'c', 'd'].map((key) => coalescer.append(target, [fact(key), fact(`${key}2`)], write));
    expect(calls).toEqual([['a']]);
    await releaseAll();
    expect(calls).toEqual([['a'], ['b', 'b2', 'c', 'c2', 'd', 'd2']]);
    await releaseAll();
    expect(keysOf(await first)).toEqual(['a']);
    expect((await Promise.all(rest)).map(keysOf)).toEqual([
      ['b', 'b2'],
      ['c', 'c2'],
      ['d', 'd2'],
    ]);
    // Nothing in flight any more: the next append writes at once again.
    void coalescer.append(target, [fact('e')], write);
    expect(calls.at(-1)).toEqual(['e']);
    await releaseAll();
  });

  it('gives a fact two waiters both name to the first of them, as one-by-one appends would', async () => {
    const { write, releaseAll } = recordingWrite();
    const coalescer = new AppendCoalescer();
    void coalescer.append(target, [fact('x')], write);
    const one = coalescer.append(target, [fact('cancel'), fact('y')], write);
    const two = coalescer.append(target, [fact('cancel')], write);
    await releaseAll();
    await releaseAll();
    expect(keysOf(await one)).toEqual(['cancel', 'y']);
    expect(keysOf(await two)).toEqual([]);
  });

  it('writes each waiter alone when the merged write fails, so one bad append fails only its caller', async () => {
    const { write, calls, releaseAll } = recordingWrite({ failWhen: (keys) => keys.includes('bad') });
    const coalescer = new AppendCoalescer();
    void coalescer.append(target, [fact('a')], write);
    const good = coalescer.append(target, [fact('good')], write);
    const bad = coalescer.append(target, [fact('bad')], write).catch((error: unknown) => error);
    for (let round = 0; round < 4; round += 1) await releaseAll();
    expect(keysOf(await good)).toEqual(['good']);
    expect(await bad).toEqual(new Error('refused bad'));
    expect(calls).toEqual([['a'], ['good', 'bad'], ['good'], ['bad']]);
  });

  it('never merges appends of two runs, or of one run id under two tenants', async () => {
    const { write, calls, releaseAll } = recordingWrite();
    const coalescer = new AppendCoalescer();
    void coalescer.append(target, [fact('a')], write);
    void coalescer.append({ tenantId: 't1', runId: 'run_2' }, [fact('b')], write);
    void coalescer.append({ tenantId: 't2', runId: 'run_1' }, [fact('c')], write);
    expect(calls).toEqual([['a'], ['b'], ['c']]);
    await releaseAll();
  });
});
