// PostgreSQL: a bounded connection pool, and the migration runner. Migrations are plain SQL files
// `migrations/NNNN_name.sql`, forward-only: each runs once, in order, in its own transaction, and
// is recorded in `schema_migrations` with the SHA-256 of its text, so an applied file that was
// edited afterwards is refused instead of leaving the schema and the code silently apart.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { KeelError } from './errors.js';
import { platform_error_codes } from './platform-errors.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Anything that runs queries on one session: a pool client or a plain client. */
export type Session = pg.ClientBase;
/** A pool or a session: enough for a single statement, which needs no session of its own. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

export type PoolOptions = {
  max_connections?: number;
  connection_timeout_ms?: number;
  idle_timeout_ms?: number;
  statement_timeout_ms?: number;
  application_name?: string;
  /** An idle connection that fails (server restart) is reported here; without a listener it would crash the process. */
  on_idle_error?: (error: Error) => void;
};

const pool_defaults = {
  max_connections: 10,
  connection_timeout_ms: 5_000,
  idle_timeout_ms: 30_000,
  statement_timeout_ms: 60_000,
  application_name: 'keel',
} as const;

/** A long migration (an index on a big table) may take longer than an ordinary statement. */
const migration_statement_timeout_ms = 30 * 60_000;
const migrations_max = 9_999;
const migration_file_pattern = /^(\d{4})_[a-z0-9_]+\.sql$/;
/** A fixed key for pg_advisory_xact_lock: every `keel migrate` everywhere takes the same one. */
const migration_lock_key = 7_241_900_001;

export function assertPostgresUrl(url: string): void {
  if (!/^postgres(ql)?:\/\//.test(url) || !URL.canParse(url)) {
    throw new KeelError(
      platform_error_codes.postgres_url_invalid,
      `not a PostgreSQL URL (postgres://user@host:port/database): ${redactUrl(url)}`,
    );
  }
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^(\w+:\/\/[^:/@]+):[^@]*@/, '$1:[redacted]@');
}

/** Socket errors that mean the server is not there (down, restarting, unreachable), not that a statement failed. */
const unreachable_error_codes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** SQLSTATEs of a server that is going away or not taking connections: 57P01..57P03 (shutdown, crash, starting). */
const server_unavailable_states = new Set(['57P01', '57P02', '57P03']);

/**
 * True when `error` says PostgreSQL cannot be reached or is going away (worth a 503 and a retry),
 * not that the query or its data are wrong. pg reports a pool connect timeout and a dropped
 * connection by message only.
 */
export function isPostgresUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    (unreachable_error_codes.has(code) || server_unavailable_states.has(code) || code.startsWith('08'))
  )
    return true;
  if (error instanceof AggregateError && error.errors.some(isPostgresUnavailable)) return true;
  // The last: a checked-out session whose connection failed between two statements.
  return /^(timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error)/.test(
    error.message,
  );
}

export function createPool(url: string, options: PoolOptions = {}): Pool {
  assertPostgresUrl(url);
  const settings = { ...pool_defaults, ...options };
  if (settings.max_connections < 1 || settings.max_connections > 100)
    throw new RangeError(`max_connections ${settings.max_connections} not in 1..100`);
  const pool = new pg.Pool({
    connectionString: url,
    max: settings.max_connections,
    connectionTimeoutMillis: settings.connection_timeout_ms,
    idleTimeoutMillis: settings.idle_timeout_ms,
    statement_timeout: settings.statement_timeout_ms,
    // A session left inside a transaction would hold its locks (the audit log's) forever.
    idle_in_transaction_session_timeout: settings.statement_timeout_ms,
    application_name: settings.application_name,
  });
  pool.on('error', options.on_idle_error ?? (() => undefined));
  return pool;
}

/**
 * Runs `work` on a session of the pool, released afterwards whatever happens. pg emits 'error' on
 * a checked-out session whose server goes away between two statements, which without a listener
 * crashes the process: it is handed to `on_error` (by default ignored: the next statement fails
 * with it anyway, and a broken session is dropped from the pool on release).
 */
export async function withSession<T>(
  pool: Pool,
  work: (session: PoolClient) => Promise<T>,
  on_error: (error: Error) => void = () => undefined,
): Promise<T> {
  const client = await pool.connect();
  client.on('error', on_error);
  try {
    return await work(client);
  } finally {
    client.removeListener('error', on_error);
    client.release();
  }
}

/** Runs `work` inside BEGIN … COMMIT on one session, rolling back when it throws. */
export async function inTransaction<T>(session: Session, work: () => Promise<T>, begin = 'begin'): Promise<T> {
  await session.query(begin);
  try {
    const result = await work();
    await session.query('commit');
    return result;
  } catch (error) {
    await session.query('rollback').catch(() => undefined);
    throw error;
  }
}

/** migrations/ beside platform/ when run from source, two levels up when run from dist/platform/ (tsc does not copy .sql). */
export function defaultMigrationsDirectory(): string {
  const candidates = [
    join(import.meta.dirname, '..', 'migrations'),
    join(import.meta.dirname, '..', '..', 'migrations'),
  ];
  return candidates.find((candidate) => existsSync(candidate)) ?? candidates[0]!;
}

export type MigrationFile = { name: string; number: number; checksum: string; sql: string };
export type MigrationReport = { applied: string[]; already_applied: string[] };

/** The migration files of `directory`, in order; a misnamed or duplicate-numbered .sql file is an error, not skipped. */
export function readMigrations(directory: string): MigrationFile[] {
  const names = readdirSync(directory)
    .filter((name) => name.endsWith('.sql'))
    .sort();
  if (names.length > migrations_max)
    throw new KeelError(
      platform_error_codes.postgres_migrations_too_many,
      `${names.length} migrations in ${directory}, at most ${migrations_max}`,
    );
  const migrations = names.map((name) => readMigration(directory, name));
  for (let index = 1; index < migrations.length; index += 1) {
    if (migrations[index]!.number === migrations[index - 1]!.number) {
      throw new KeelError(
        platform_error_codes.postgres_migration_number_duplicate,
        `two migrations numbered ${migrations[index]!.number}: ${migrations[index - 1]!.name}, ${migrations[index]!.name}`,
      );
    }
  }
  return migrations;
}

function readMigration(directory: string, name: string): MigrationFile {
  const match = migration_file_pattern.exec(name);
  if (match === null)
    throw new KeelError(
      platform_error_codes.postgres_migration_name_invalid,
      `migration ${name} in ${directory} is not named NNNN_lower_snake_case.sql`,
    );
  const bytes = readFileSync(join(directory, name));
  return {
    name,
    number: Number(match[1]),
    checksum: createHash('sha256').update(bytes).digest('hex'),
    sql: bytes.toString('utf8'),
  };
}

/**
 * Applies every migration of `directory` not yet applied, in order, one transaction each. Safe to
 * run again (nothing to do) and from several processes at once: each step holds a transaction-level
 * advisory lock, so runners take turns and each sees what the previous one recorded.
 */
export async function migrate(pool: Pool, directory: string): Promise<MigrationReport> {
  const migrations = readMigrations(directory);
  const report: MigrationReport = { applied: [], already_applied: [] };
  const client = await pool.connect();
  try {
    for (const migration of migrations) {
      const applied = await inTransaction(client, () => applyIfPending(client, migration, migrations));
      (applied ? report.applied : report.already_applied).push(migration.name);
    }
    if (migrations.length === 0) await inTransaction(client, () => checkApplied(client, migrations));
  } finally {
    client.release();
  }
  return report;
}

/** One step under the lock: checks every recorded migration against its file, then applies `migration` unless recorded. */
async function applyIfPending(
  client: PoolClient,
  migration: MigrationFile,
  migrations: MigrationFile[],
): Promise<boolean> {
  const recorded = await checkApplied(client, migrations);
  if (recorded.has(migration.name)) return false;
  await client.query(`set local statement_timeout = ${migration_statement_timeout_ms}`);
  try {
    await client.query(migration.sql);
  } catch (error) {
    throw new KeelError(
      platform_error_codes.postgres_migration_failed,
      `migration ${migration.name} failed${sqlLocation(migration.sql, error)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  await client.query('insert into schema_migrations (name, checksum) values ($1, $2)', [
    migration.name,
    migration.checksum,
  ]);
  return true;
}

/** Takes the lock, makes sure the record table exists, and returns the recorded names once every checksum matches its file. */
async function checkApplied(client: PoolClient, migrations: MigrationFile[]): Promise<Set<string>> {
  await client.query('select pg_advisory_xact_lock($1)', [migration_lock_key]);
  await client.query(
    `create table if not exists schema_migrations (
       name text primary key, checksum text not null check (checksum ~ '^[0-9a-f]{64}$'), applied_at timestamptz not null default now())`,
  );
  const { rows } = await client.query<{ name: string; checksum: string }>(
    'select name, checksum from schema_migrations order by name',
  );
  const by_name = new Map(migrations.map((migration) => [migration.name, migration]));
  for (const row of rows) {
    const file = by_name.get(row.name);
    if (file === undefined) {
      throw new KeelError(
        platform_error_codes.postgres_migration_missing,
        `the database has migration ${row.name} applied but it is not among the files: this code is older than the database`,
      );
    }
    if (file.checksum !== row.checksum) {
      throw new KeelError(
        platform_error_codes.postgres_migration_checksum_mismatch,
        `migration ${row.name} was changed after it was applied (applied sha256 ${row.checksum}, file sha256 ${file.checksum}): migrations are forward-only, put the change in a new file`,
      );
    }
  }
  return new Set(rows.map((row) => row.name));
}

/** " at line N" for a PostgreSQL error that carries a character position in the file's text. */
function sqlLocation(sql: string, error: unknown): string {
  const position = Number((error as { position?: string }).position);
  if (!Number.isInteger(position) || position < 1) return '';
  return ` at line ${sql.slice(0, position - 1).split('\n').length}`;
}
