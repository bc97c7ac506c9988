// The migration runner and the schema on the real PostgreSQL server, a fresh database per test:
// migrations apply once, in order, idempotently, also with runners racing; an edited applied
// migration is refused; a failing one leaves nothing behind; money columns are exact.
import { cpSync, mkdtempSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, migrations_directory, type TestDatabase } from '../test/support/postgres-test-kit.js';
import { assertPostgresUrl, createPool, migrate, readMigrations, redactUrl } from './postgres.js';

const databases: TestDatabase[] = [];

async function freshDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  databases.push(database);
  return database;
}

afterEach(async () => {
  await Promise.all(databases.splice(0).map((database) => database.drop()));
});

/** The shipped migrations' names, and the number a migration added after them would take. */
const shipped = readMigrations(migrations_directory).map((migration) => migration.name);
const next_number = String(
  Math.max(...readMigrations(migrations_directory).map((migration) => migration.number)) + 1,
).padStart(4, '0');

function copyOfMigrations(): string {
  const directory = mkdtempSync(join(tmpdir(), 'keel-migrations-'));
  cpSync(migrations_directory, directory, { recursive: true });
  return directory;
}

async function tableNames(database: TestDatabase): Promise<string[]> {
  const { rows } = await database.pool.query<{ name: string }>(
    `select table_name as name from information_schema.tables where table_schema = 'public' order by 1`,
  );
  return rows.map((row) => row.name);
}

describe('migrate (real PostgreSQL)', () => {
  it('applies every migration once, records name and checksum, and is idempotent', async () => {
    const database = await freshDatabase();
    const names = readMigrations(migrations_directory).map((migration) => migration.name);
    expect(names[0]).toBe('0001_audit_store.sql');
    expect(await migrate(database.pool, migrations_directory)).toEqual({ applied: names, already_applied: [] });
    expect(await tableNames(database)).toEqual(
      expect.arrayContaining([
        'audit_log',
        'connector_cursors',
        'disposals',
        'events',
        'lots',
        'prices',
        'schema_migrations',
        'trade_records',
      ]),
    );
    const { rows } = await database.pool.query<{ name: string; checksum: string }>(
      'select name, checksum from schema_migrations order by name',
    );
    expect(rows).toEqual(
      readMigrations(migrations_directory).map((migration) => ({ name: migration.name, checksum: migration.checksum })),
    );
    expect(rows[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(await migrate(database.pool, migrations_directory)).toEqual({ applied: [], already_applied: names });
  });

  it('applies only the new migration when one is added later', async () => {
    const database = await freshDatabase();
    const directory = copyOfMigrations();
    await migrate(database.pool, directory);
    writeFileSync(
      join(directory, `${next_number}_add_note.sql`),
      'create table migration_note (note text not null);\n',
    );
    expect(await migrate(database.pool, directory)).toEqual({
      applied: [`${next_number}_add_note.sql`],
      already_applied: shipped,
    });
    expect(await tableNames(database)).toContain('migration_note');
  });

  it('refuses to go on when an applied migration was changed, naming it and both checksums', async () => {
    const database = await freshDatabase();
    const directory = copyOfMigrations();
    await migrate(database.pool, directory);
    appendFileSync(join(directory, '0001_audit_store.sql'), '\n-- an innocent-looking edit\n');
    await expect(migrate(database.pool, directory)).rejects.toMatchObject({
      code: 'KEEL_ERR_POSTGRES_MIGRATION_CHECKSUM_MISMATCH',
      message: expect.stringMatching(
        /^migration 0001_audit_store\.sql was changed after it was applied \(applied sha256 [0-9a-f]{64}, file sha256 [0-9a-f]{64}\)/,
      ),
    });
  });

  it('refuses a database that has a migration this code does not know', async () => {
    const database = await freshDatabase();
    const directory = copyOfMigrations();
    writeFileSync(join(directory, `${next_number}_later.sql`), 'select 1;\n');
    await migrate(database.pool, directory);
    await expect(migrate(database.pool, migrations_directory)).rejects.toMatchObject({
      code: 'KEEL_ERR_POSTGRES_MIGRATION_MISSING',
    });
  });

  it('rolls a failing migration back whole and says which file and line', async () => {
    const database = await freshDatabase();
    const directory = copyOfMigrations();
    writeFileSync(
      join(directory, `${next_number}_broken.sql`),
      'create table half_done (id int);\n\ncreate tabel oops (id int);\n',
    );
    await expect(migrate(database.pool, directory)).rejects.toMatchObject({
      code: 'KEEL_ERR_POSTGRES_MIGRATION_FAILED',
      message: expect.stringMatching(
        new RegExp(`^migration ${next_number}_broken\\.sql failed at line 3: syntax error at or near "tabel"`),
      ),
    });
    expect(await tableNames(database)).not.toContain('half_done');
    const { rows } = await database.pool.query<{ name: string }>('select name from schema_migrations order by name');
    expect(rows.map((row) => row.name)).toEqual(shipped);
  });

  it('refuses misnamed and duplicate-numbered migration files instead of skipping them', () => {
    const misnamed = copyOfMigrations();
    writeFileSync(join(misnamed, '2-add-things.sql'), 'select 1;');
    expect(() => readMigrations(misnamed)).toThrow(/KEEL_ERR|not named NNNN_lower_snake_case\.sql/);
    const duplicate = copyOfMigrations();
    writeFileSync(join(duplicate, '0001_other.sql'), 'select 1;');
    expect(() => readMigrations(duplicate)).toThrow(/two migrations numbered 1/);
  });

  it('serialises concurrent runners: each migration is applied exactly once', async () => {
    const database = await freshDatabase();
    const pools = [0, 1, 2, 3].map(() => createPool(database.url, { max_connections: 1 }));
    try {
      const reports = await Promise.all(pools.map((pool) => migrate(pool, migrations_directory)));
      // Runners take turns per migration: each file is applied by exactly one of them, and every
      // runner accounts for every file, applied by itself or found applied.
      expect(reports.flatMap((report) => report.applied).sort()).toEqual(shipped);
      for (const report of reports) expect([...report.applied, ...report.already_applied].sort()).toEqual(shipped);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
    }
  });

  it('keeps money exact: numeric columns add decimals without float error and keep every digit', async () => {
    const database = await createTestDatabase({ migrated: true });
    databases.push(database);
    await database.pool.query(
      `insert into prices (asset, price_time, source, price) values ('BTC', '2024-03-01T10:00:00.000Z', 'a', '0.1'), ('BTC', '2024-03-01T10:00:00.000Z', 'b', '0.2'),
              ('ETH', '2024-03-01T10:00:00.000Z', 'a', '123456789012345678901234567890.123456789012345678')`,
    );
    const { rows } = await database.pool.query<{ sum: string; eth: string }>(
      `select (select sum(price) from prices where asset = 'BTC')::text as sum, (select price from prices where asset = 'ETH')::text as eth`,
    );
    expect(rows[0]).toEqual({ sum: '0.3', eth: '123456789012345678901234567890.123456789012345678' });
    const { rows: types } = await database.pool.query<{ table_name: string; column_name: string; data_type: string }>(
      `select table_name, column_name, data_type from information_schema.columns
        where table_schema = 'public' and column_name in ('quantity', 'remaining_quantity', 'cost_basis', 'proceeds', 'gain', 'price')`,
    );
    expect(types).toHaveLength(8); // lots: 3, disposals: 4, prices: 1
    expect(types.every((column) => column.data_type === 'numeric')).toBe(true);
  });

  it('keeps one cursor per (venue, account, stream) and one current trade record version', async () => {
    const database = await createTestDatabase({ migrated: true });
    databases.push(database);
    const upsert = `insert into connector_cursors (venue, account, stream, cursor) values ('binance', 'spot-main', 'trades:BTC/USDT', $1)
                    on conflict (venue, account, stream) do update set cursor = excluded.cursor, updated_at = now()`;
    await database.pool.query(upsert, [{ since: 1 }]);
    await database.pool.query(upsert, [{ since: 2 }]);
    const { rows } = await database.pool.query('select cursor from connector_cursors');
    expect(rows).toEqual([{ cursor: { since: 2 } }]);
    const insert = `insert into trade_records (trade_id, version, venue, account, trade_time, record, record_hash) values ('t1', $1, 'binance', 'spot-main', now(), '{}', repeat('a', 64))`;
    await database.pool.query(insert, [1]);
    await expect(database.pool.query(insert, [2])).rejects.toThrow(/trade_records_one_current/);
  });
});

describe('createPool', () => {
  it('accepts only PostgreSQL URLs and never repeats a password', () => {
    expect(() => assertPostgresUrl('postgresql://keel@127.0.0.1:15432/keel')).not.toThrow();
    expect(() => createPool('mysql://root:hunter2@127.0.0.1/keel')).toThrow(/KEEL_ERR|not a PostgreSQL URL/);
    try {
      createPool('http://keel:hunter2@127.0.0.1/keel');
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
    expect(redactUrl('postgres://keel:hunter2@db:5432/keel')).toBe('postgres://keel:[redacted]@db:5432/keel');
  });
});
