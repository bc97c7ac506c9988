// `keel migrate` end to end: a child process against a fresh database on the real server.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultMigrationsDirectory, readMigrations } from '../platform/postgres.js';
import { createTestDatabase, type TestDatabase } from '../test/support/postgres-test-kit.js';

const run = promisify(execFile);
let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

function keel(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'main.ts'), ...args], {
    env: { ...process.env, DATABASE_URL: database.url, ...env },
  });
}

describe('keel migrate (real PostgreSQL)', () => {
  it('applies the migrations, then finds them already applied', async () => {
    const first = await keel(['migrate']);
    const shipped = readMigrations(defaultMigrationsDirectory()).map((migration) => migration.name);
    expect(shipped[0]).toBe('0001_audit_store.sql');
    expect(JSON.parse(first.stdout)).toEqual({ applied: shipped, already_applied: [] });
    const second = await keel(['migrate']);
    expect(JSON.parse(second.stdout)).toEqual({ applied: [], already_applied: shipped });
  });

  it('exits 2 on a DATABASE_URL that is not a PostgreSQL URL, naming the variable', async () => {
    await expect(keel(['migrate'], { DATABASE_URL: 'mysql://root@127.0.0.1/keel' })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('DATABASE_URL: a PostgreSQL URL'),
    });
  });
});
