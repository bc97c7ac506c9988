// What the PostgreSQL integration tests share: a fresh database on the real server per test file
// (or per test), created from DATABASE_URL and dropped after, so tests never see each other's rows.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { createPool, inTransaction, migrate, withSession, type Pool } from '../../platform/postgres.js';

export const migrations_directory = join(import.meta.dirname, '..', '..', 'migrations');

/** The server the project's scripts started; in CI its absence is a failure, never a skip. */
export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (url === undefined || url === '') {
    throw new Error(
      'DATABASE_URL is not set: start PostgreSQL with `bash scripts/services.sh start` (npm test does it by itself)',
    );
  }
  return url;
}

export type TestDatabase = {
  name: string;
  url: string;
  pool: Pool;
  /** Closes the pool and drops the database, even with sessions still connected. */
  drop(): Promise<void>;
};

/** A new empty database `keel_test_<random>` on the server of DATABASE_URL; `migrated` applies migrations/ first. */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const name = `keel_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const url = withDatabase(databaseUrl(), name);
  const pool = createPool(url, { max_connections: 5, application_name: 'keel-test' });
  if (options.migrated === true) await migrate(pool, migrations_directory);
  let dropped = false;
  return {
    name,
    url,
    pool,
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await pool.end();
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
}

/** Runs one statement on the server's own database (the one DATABASE_URL names), on a short-lived connection. */
export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl(), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** The names of the triggers that guard the audit log (migrations/0001_audit_store.sql). */
const audit_log_triggers = [
  'audit_log_no_update',
  'audit_log_no_delete',
  'audit_log_no_truncate',
  'audit_log_insert_extends_chain',
];

/**
 * Runs `sql` as an attacker with full database access would: the table owner (a superuser here)
 * switches the audit log's guard triggers off, changes rows, and switches them back on as they were
 * (ENABLE ALWAYS), all in one transaction, so afterwards only the hash chain can tell.
 */
export async function tamperWithAuditLog(pool: Pool, sql: string, parameters: unknown[] = []): Promise<void> {
  await withSession(pool, (client) =>
    inTransaction(client, async () => {
      await client.query('alter table audit_log disable trigger user');
      await client.query(sql, parameters);
      for (const trigger of audit_log_triggers)
        await client.query(`alter table audit_log enable always trigger ${trigger}`);
    }),
  );
}
