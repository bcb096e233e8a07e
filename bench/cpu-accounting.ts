/**
 * CPU time per process, from /proc (Linux): where a run's cost goes — Temporal, Postgres, the API,
 * the worker, the bench itself. On a small machine every process competes for the same cores, so
 * CPU per run, more than latency, explains a throughput ratio.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

/** USER_HZ: the unit of /proc/<pid>/stat times; 100 on every mainstream Linux build. */
const ticksPerSecond = 100;

export type ProcessGroup = 'temporal' | 'postgres' | 'api' | 'worker' | 'bench';
export type CpuTimes = Partial<Record<ProcessGroup, number>>;

interface ProcStat {
  ppid: number;
  ownMs: number;
  /** CPU of children already reaped (Postgres backends that have exited). */
  reapedChildrenMs: number;
}

async function readStat(pid: number): Promise<ProcStat | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (!text) return null;
  // Fields after the command name (which may hold spaces) start at state, field 3 of proc(5).
  const fields = text
    .slice(text.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  const at = (field: number) => fields[field - 3] ?? 0;
  const toMs = (ticks: number) => (ticks * 1000) / ticksPerSecond;
  return { ppid: at(4), ownMs: toMs(at(14) + at(15)), reapedChildrenMs: toMs(at(16) + at(17)) };
}

async function allPids(): Promise<number[]> {
  return (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry)).map(Number);
}

/** The pids behind each group; Postgres is its postmaster, whose backends are counted with it. */
export interface ProcessPids {
  temporal?: number;
  postmaster?: number;
  api?: number;
  worker?: number;
  bench: number;
}

export async function cpuTimes(pids: ProcessPids): Promise<CpuTimes> {
  const times: CpuTimes = {};
  const single: Array<[ProcessGroup, number | undefined]> = [
    ['temporal', pids.temporal],
    ['api', pids.api],
    ['worker', pids.worker],
    ['bench', pids.bench],
  ];
  for (const [group, pid] of single) {
    const stat = pid === undefined ? null : await readStat(pid);
    if (stat) times[group] = stat.ownMs;
  }
  if (pids.postmaster !== undefined) {
    const postmaster = await readStat(pids.postmaster);
    if (postmaster) {
      let total = postmaster.ownMs + postmaster.reapedChildrenMs;
      for (const pid of await allPids()) {
        const stat = await readStat(pid);
        if (stat?.ppid === pids.postmaster) total += stat.ownMs;
      }
      times.postgres = total;
    }
  }
  return times;
}

export function cpuDelta(before: CpuTimes, after: CpuTimes): CpuTimes {
  const delta: CpuTimes = {};
  for (const group of Object.keys(after) as ProcessGroup[]) {
    const start = before[group];
    const end = after[group];
    if (start !== undefined && end !== undefined) delta[group] = end - start;
  }
  return delta;
}

/** The dev server we started: the `temporal … start-dev` process whose db file is ours. */
export async function findTemporalDevServerPid(dbFile: string): Promise<number | undefined> {
  for (const pid of await allPids()) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('start-dev') && cmdline.includes(dbFile)) return pid;
  }
  return undefined;
}

export async function readPostmasterPid(dataDir: string): Promise<number | undefined> {
  const text = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number(text.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
