// Tampering with the audit log as an attacker with full database access would (superuser: guard
// triggers switched off, rows changed, triggers switched back on; see tamperWithAuditLog), and
// verification naming the first bad position exactly. A fresh database per test, ten entries each,
// read three rows per batch so that damage also sits across batch boundaries.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, tamperWithAuditLog, type TestDatabase } from '../test/support/postgres-test-kit.js';
import { entryHash, type AuditEntry } from './audit-chain.js';
import { appendAuditEntries, verifyAuditChain } from './audit-log.js';

let database: TestDatabase;
let chain: AuditEntry[];

beforeEach(async () => {
  database = await createTestDatabase({ migrated: true });
  const client = await database.pool.connect();
  try {
    chain = [];
    for (const count of [4, 3, 3]) {
      const batch = Array.from({ length: count }, (_, index) => ({
        kind: 'trade_record',
        payload: { trade: chain.length + index + 1, quantity: '0.5', price: '61250.00' },
      }));
      chain.push(...(await appendAuditEntries(client, batch)));
    }
  } finally {
    client.release();
  }
});

afterEach(async () => {
  await database?.drop();
});

async function verify(anchor?: { sequence: number; entry_hash: string }) {
  const client = await database.pool.connect();
  try {
    return await verifyAuditChain(client, { batch_rows: 3, anchor });
  } finally {
    client.release();
  }
}

const entry = (sequence: number) => chain[sequence - 1]!;

describe('audit log tampering is reported at its exact position (real PostgreSQL)', () => {
  it('an untouched log verifies', async () => {
    expect(await verify()).toEqual({ ok: true, entries: 10, head: { sequence: 10, hash: entry(10).entry_hash } });
  });

  it('an edited payload: hash mismatch at that row', async () => {
    await tamperWithAuditLog(
      database.pool,
      `update audit_log set entry = jsonb_set(entry, '{price}', '"1.00"') where sequence = 4`,
    );
    const edited = { ...entry(4), payload: { trade: 4, quantity: '0.5', price: '1.00' } };
    expect(await verify()).toEqual({
      ok: false,
      entries: 10,
      head: { sequence: 10, hash: entry(10).entry_hash },
      first_problem: { sequence: 4, problem: 'hash_mismatch', expected: entryHash(edited), found: entry(4).entry_hash },
    });
  });

  it('an edited kind or time: hash mismatch at that row', async () => {
    await tamperWithAuditLog(
      database.pool,
      `update audit_log set recorded_at = recorded_at - interval '1 day' where sequence = 7`,
    );
    expect((await verify()).first_problem).toMatchObject({
      sequence: 7,
      problem: 'hash_mismatch',
      found: entry(7).entry_hash,
    });
  });

  it('an edited row whose hash was recomputed too: the next row no longer links to it', async () => {
    const forged_fields = { ...entry(5), payload: { trade: 5, quantity: '50', price: '61250.00' } };
    await tamperWithAuditLog(
      database.pool,
      `update audit_log set entry = $1::jsonb, entry_hash = $2 where sequence = 5`,
      [JSON.stringify(forged_fields.payload), entryHash(forged_fields)],
    );
    expect((await verify()).first_problem).toEqual({
      sequence: 6,
      problem: 'link_broken',
      expected: entryHash(forged_fields),
      found: entry(5).entry_hash,
    });
  });

  it('a deleted row: sequence gap at the missing sequence', async () => {
    await tamperWithAuditLog(database.pool, 'delete from audit_log where sequence = 6');
    expect(await verify()).toMatchObject({
      ok: false,
      entries: 9,
      first_problem: { sequence: 6, problem: 'sequence_gap', expected: '6', found: '7' },
    });
  });

  it('a deleted row with the later rows renumbered to hide the gap: link broken where it was', async () => {
    await tamperWithAuditLog(
      database.pool,
      'delete from audit_log where sequence = 6; update audit_log set sequence = sequence - 1 where sequence > 6',
    );
    expect((await verify()).first_problem).toEqual({
      sequence: 6,
      problem: 'link_broken',
      expected: entry(5).entry_hash,
      found: entry(6).entry_hash,
    });
  });

  it('a forged row put in between, correctly hashed, later rows renumbered: inserted row at its position', async () => {
    const forged_fields = {
      sequence: 5,
      kind: 'trade_record',
      payload: { trade: 99, quantity: '100', price: '1.00' },
      previous_hash: entry(4).entry_hash,
      recorded_at: entry(4).recorded_at,
    };
    const forged_hash = entryHash(forged_fields);
    await tamperWithAuditLog(
      database.pool,
      `update audit_log set sequence = sequence + 1000 where sequence >= 5;
       update audit_log set sequence = sequence - 999 where sequence > 1000;
       insert into audit_log (sequence, kind, entry, previous_hash, entry_hash, recorded_at)
         values (5, 'trade_record', '${JSON.stringify(forged_fields.payload)}', '${forged_fields.previous_hash}', '${forged_hash}', '${forged_fields.recorded_at}')`,
    );
    expect(await verify()).toMatchObject({
      ok: false,
      entries: 11,
      first_problem: { sequence: 5, problem: 'inserted_row', expected: entry(4).entry_hash, found: forged_hash },
    });
  });

  it('a forged row appended with a made-up hash: hash mismatch at the new sequence', async () => {
    await tamperWithAuditLog(
      database.pool,
      `insert into audit_log (sequence, kind, entry, previous_hash, entry_hash, recorded_at) values (11, 'trade_record', '{"trade": 11}', $1, $2, now())`,
      [entry(10).entry_hash, 'd'.repeat(64)],
    );
    expect((await verify()).first_problem).toMatchObject({
      sequence: 11,
      problem: 'hash_mismatch',
      found: 'd'.repeat(64),
    });
  });

  it('two rows with their sequences swapped: link broken at the first of them', async () => {
    await tamperWithAuditLog(
      database.pool,
      `update audit_log set sequence = 1000 where sequence = 3;
       update audit_log set sequence = 3 where sequence = 8;
       update audit_log set sequence = 8 where sequence = 1000`,
    );
    expect((await verify()).first_problem).toEqual({
      sequence: 3,
      problem: 'link_broken',
      expected: entry(2).entry_hash,
      found: entry(8).previous_hash,
    });
  });

  it('a duplicated row (the primary key dropped first): sequence repeated at that sequence', async () => {
    await tamperWithAuditLog(
      database.pool,
      `alter table audit_log drop constraint audit_log_pkey;
       alter table audit_log drop constraint audit_log_entry_hash_key;
       insert into audit_log select * from audit_log where sequence = 9`,
    );
    expect(await verify()).toMatchObject({
      ok: false,
      entries: 11,
      first_problem: { sequence: 9, problem: 'sequence_repeated', expected: '10', found: '9' },
    });
  });

  it('the last rows cut off: the chain alone still verifies, an anchor recorded earlier does not', async () => {
    const anchor = { sequence: 10, entry_hash: entry(10).entry_hash };
    await tamperWithAuditLog(database.pool, 'delete from audit_log where sequence > 8');
    expect(await verify()).toEqual({ ok: true, entries: 8, head: { sequence: 8, hash: entry(8).entry_hash } });
    expect((await verify(anchor)).first_problem).toEqual({
      sequence: 10,
      problem: 'anchor_mismatch',
      expected: entry(10).entry_hash,
      found: 'no such entry',
    });
  });

  it('the guard triggers are back on after tampering: the database still refuses edits', async () => {
    await tamperWithAuditLog(database.pool, 'delete from audit_log where sequence = 10');
    await expect(database.pool.query('delete from audit_log')).rejects.toThrow(/KEEL_ERR_AUDIT_LOG_APPEND_ONLY/);
    const { rows } = await database.pool.query<{ tgname: string; tgenabled: string }>(
      `select tgname, tgenabled from pg_trigger where tgrelid = 'audit_log'::regclass and not tgisinternal order by tgname`,
    );
    expect(rows.every((row) => row.tgenabled === 'A')).toBe(true);
    expect(rows).toHaveLength(4);
  });
});
