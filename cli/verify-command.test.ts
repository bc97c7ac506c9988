// `keel verify` end to end: a child process against a fresh database on the real server, on an
// intact chain (exit 0) and after a row was edited behind the database's back (exit 1).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAuditEntries } from '../audit/audit-log.js';
import type { AuditEntry } from '../audit/audit-chain.js';
import { createTestDatabase, tamperWithAuditLog, type TestDatabase } from '../test/support/postgres-test-kit.js';

const run = promisify(execFile);
let database: TestDatabase;
let chain: AuditEntry[];

beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
  const client = await database.pool.connect();
  try {
    chain = await appendAuditEntries(
      client,
      Array.from({ length: 25 }, (_, index) => ({ kind: 'trade_record', payload: { trade: index + 1 } })),
    );
  } finally {
    client.release();
  }
});

afterAll(async () => {
  await database?.drop();
});

function keel(args: string[]) {
  return run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'main.ts'), ...args], {
    env: { ...process.env, DATABASE_URL: database.url },
  });
}

describe('keel verify (real PostgreSQL)', () => {
  it('prints ok, the entry count and the head, and exits 0 on an intact chain', async () => {
    const { stdout } = await keel(['verify', '--batch-rows', '7']);
    expect(JSON.parse(stdout)).toEqual({ ok: true, entries: 25, head: { sequence: 25, hash: chain[24]!.entry_hash } });
    const anchored = await keel(['verify', '--anchor', `12:${chain[11]!.entry_hash}`]);
    expect(JSON.parse(anchored.stdout).ok).toBe(true);
  });

  it('exits 2 on a bad option', async () => {
    await expect(keel(['verify', '--batch-rows', '0'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--batch-rows must be'),
    });
    await expect(keel(['verify', '--anchor', 'twelve'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--anchor must be'),
    });
  });

  it('prints the first problem at its exact position and exits 1 once a row was edited', async () => {
    await tamperWithAuditLog(database.pool, `update audit_log set entry = '{"trade": 1300}' where sequence = 13`);
    const failure = await keel(['verify', '--batch-rows', '5']).then(
      () => expect.unreachable('keel verify should exit 1'),
      (error: { code: number; stdout: string }) => error,
    );
    expect(failure.code).toBe(1);
    expect(JSON.parse(failure.stdout)).toEqual({
      ok: false,
      entries: 25,
      head: { sequence: 25, hash: chain[24]!.entry_hash },
      first_problem: {
        sequence: 13,
        problem: 'hash_mismatch',
        expected: expect.stringMatching(/^[0-9a-f]{64}$/),
        found: chain[12]!.entry_hash,
      },
    });
  });
});
