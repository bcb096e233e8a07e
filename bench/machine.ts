/** Where the figures came from: they mean little without the machine and the load beside them. */
import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';
import type { Knex } from 'knex';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  postgres: string;
  temporalCli: string;
  /** 1-minute load average when the bench started: other processes on the box skew every figure. */
  loadAverageAtStart: number;
  /** Filled in when the bench ends: the load its own processes and everyone else's put on the box. */
  loadAverageAtEnd?: number;
}

export const loadAverage = (): number => Math.round((os.loadavg()[0] ?? 0) * 100) / 100;

export async function describeMachine(db: Knex, temporalCliPath: string | null): Promise<MachineInfo> {
  const cpus = os.cpus();
  const { rows } = await db.raw<{ rows: Array<{ server_version: string }> }>('show server_version');
  const temporalCli = temporalCliPath
    ? await promisify(execFile)(temporalCliPath, ['--version']).then(
        ({ stdout }) => stdout.trim(),
        () => 'unknown',
      )
    : 'not used (TEMPORAL_ADDRESS)';
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres: rows[0]?.server_version ?? 'unknown',
    temporalCli,
    loadAverageAtStart: loadAverage(),
  };
}
