// The audit log on the real PostgreSQL server, in a fresh database for this file: the database
// refuses to change history, appends extend one chain (also when two connections append at once),
// and the chain verifies in bounded batches.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../platform/postgres.js';
import { createTestDatabase, type TestDatabase } from '../test/support/postgres-test-kit.js';
import { genesis_hash, verifyChain, type AuditEntry } from './audit-chain.js';
import {
  appendAuditEntries,
  appendAuditEntriesInTransaction,
  auditHead,
  readAuditBatches,
  verifyAuditChain,
} from './audit-log.js';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
});

afterAll(async () => {
  await database?.drop();
});

async function withClient<T>(work: (client: import('pg').PoolClient) => Promise<T>): Promise<T> {
  const client = await database.pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

function entries(count: number, kind = 'test_entry') {
  return Array.from({ length: count }, (_, index) => ({
    kind,
    payload: { index, amount: `${index}.25`, note: 'café ✓' },
  }));
}

describe('audit log (real PostgreSQL)', () => {
  it('starts empty: head is sequence 0 with the genesis hash, and the empty chain verifies', async () => {
    await withClient(async (client) => {
      expect(await auditHead(client)).toEqual({ sequence: 0, entry_hash: genesis_hash });
      expect(await verifyAuditChain(client)).toEqual({
        ok: true,
        entries: 0,
        head: { sequence: 0, hash: genesis_hash },
      });
    });
  });

  it('appends entries linked from the head and gives back exactly what it stored', async () => {
    await withClient(async (client) => {
      const first = await appendAuditEntries(client, entries(3));
      const second = await appendAuditEntries(client, [
        {
          kind: 'trade_record',
          payload: { nested: { list: [1, 2.5, -0.125, 1e21, true, null], text: '"quoted" \\ \n' } },
        },
      ]);
      expect(first.map((entry) => entry.sequence)).toEqual([1, 2, 3]);
      expect(first[0]!.previous_hash).toBe(genesis_hash);
      expect(second[0]).toMatchObject({ sequence: 4, previous_hash: first[2]!.entry_hash });
      expect(await auditHead(client)).toEqual({ sequence: 4, entry_hash: second[0]!.entry_hash });
      const stored: AuditEntry[] = [];
      for await (const batch of readAuditBatches(client, 2)) stored.push(...batch);
      expect(stored).toEqual([...first, ...second]);
      expect(await verifyAuditChain(client, { batch_rows: 3 })).toEqual({
        ok: true,
        entries: 4,
        head: { sequence: 4, hash: second[0]!.entry_hash },
      });
    });
  });

  it('refuses UPDATE, DELETE and TRUNCATE in the database itself, also as superuser and in replica mode', async () => {
    await withClient(async (client) => {
      await appendAuditEntries(client, entries(1));
      const statements = [
        "update audit_log set kind = 'edited' where sequence = 1",
        'delete from audit_log where sequence = 1',
        'truncate audit_log',
        'update audit_log set kind = kind where false',
      ];
      for (const statement of statements) {
        await expect(client.query(statement)).rejects.toMatchObject({
          code: '42501',
          message: expect.stringMatching(
            /^KEEL_ERR_AUDIT_LOG_APPEND_ONLY: the audit log is append-only; (UPDATE|DELETE|TRUNCATE) refused$/,
          ),
        });
      }
      // session_replication_role = replica silences ordinary triggers; these are ENABLE ALWAYS.
      await client.query('set session_replication_role = replica');
      try {
        await expect(client.query('delete from audit_log')).rejects.toThrow(/KEEL_ERR_AUDIT_LOG_APPEND_ONLY/);
      } finally {
        await client.query('set session_replication_role = origin');
      }
      expect((await verifyAuditChain(client)).ok).toBe(true);
    });
  });

  it('refuses an insert that does not extend the chain (wrong sequence or wrong link)', async () => {
    await withClient(async (client) => {
      const head = await auditHead(client);
      const insert =
        'insert into audit_log (sequence, kind, entry, previous_hash, entry_hash, recorded_at) values ($1, $2, $3, $4, $5, now())';
      await expect(
        client.query(insert, [head.sequence + 2, 'forged', '{}', head.entry_hash, 'a'.repeat(64)]),
      ).rejects.toThrow(/KEEL_ERR_AUDIT_LOG_NOT_NEXT: sequence \d+ does not follow/);
      await expect(
        client.query(insert, [head.sequence + 1, 'forged', '{}', 'b'.repeat(64), 'a'.repeat(64)]),
      ).rejects.toThrow(/KEEL_ERR_AUDIT_LOG_NOT_NEXT: previous_hash/);
      expect(await auditHead(client)).toEqual(head);
    });
  });

  it('rolls an append back whole when it fails, and appends inside a caller transaction', async () => {
    await withClient(async (client) => {
      const head = await auditHead(client);
      await expect(appendAuditEntries(client, [...entries(2), { kind: 'bad kind', payload: {} }])).rejects.toThrow(
        /KEEL_ERR|kind must match/,
      );
      expect(await auditHead(client)).toEqual(head);
      const rolled_back = inTransaction(client, async () => {
        await appendAuditEntriesInTransaction(client, entries(2));
        throw new Error('the caller fails after appending');
      });
      await expect(rolled_back).rejects.toThrow('the caller fails after appending');
      expect(await auditHead(client)).toEqual(head);
      const appended = await inTransaction(client, () => appendAuditEntriesInTransaction(client, entries(2)));
      expect(await auditHead(client)).toEqual({ sequence: head.sequence + 2, entry_hash: appended[1]!.entry_hash });
    });
  });

  it('two connections appending in parallel yield one unbroken chain with every entry once', async () => {
    const rounds = 25;
    const start = await withClient((client) => auditHead(client));
    const appender = (name: string) =>
      withClient(async (client) => {
        for (let round = 0; round < rounds; round += 1) {
          await appendAuditEntries(client, [
            { kind: 'concurrent', payload: { appender: name, round, part: 0 } },
            { kind: 'concurrent', payload: { appender: name, round, part: 1 } },
          ]);
        }
      });
    await Promise.all([appender('a'), appender('b')]);
    await withClient(async (client) => {
      const report = await verifyAuditChain(client, { batch_rows: 7 });
      expect(report.ok).toBe(true);
      expect(report.head.sequence).toBe(start.sequence + 2 * 2 * rounds);
      const stored: AuditEntry[] = [];
      for await (const batch of readAuditBatches(client, 100)) stored.push(...batch);
      const concurrent = stored.filter((entry) => entry.kind === 'concurrent');
      expect(concurrent).toHaveLength(2 * 2 * rounds);
      // Each append is contiguous: part 1 directly follows part 0 of the same round and appender.
      for (let index = 0; index < concurrent.length; index += 2) {
        const [part_0, part_1] = [
          concurrent[index]!.payload as Record<string, unknown>,
          concurrent[index + 1]!.payload as Record<string, unknown>,
        ];
        expect({ ...part_1, part: 0 }).toEqual(part_0);
      }
      expect(verifyChain(stored).ok).toBe(true);
    });
  });

  it('reports progress per batch and rejects a batch size out of bounds', async () => {
    await withClient(async (client) => {
      const head = await auditHead(client);
      const progress: { entries: number; sequence: number }[] = [];
      await verifyAuditChain(client, { batch_rows: 10, on_progress: (step) => progress.push(step) });
      expect(progress).toHaveLength(Math.ceil(head.sequence / 10));
      expect(progress.at(-1)).toEqual({ entries: head.sequence, sequence: head.sequence });
      await expect(verifyAuditChain(client, { batch_rows: 0 })).rejects.toThrow(RangeError);
      await expect(verifyAuditChain(client, { batch_rows: 10_001 })).rejects.toThrow(RangeError);
    });
  });

  it('checks an anchor recorded earlier', async () => {
    await withClient(async (client) => {
      const head = await auditHead(client);
      expect((await verifyAuditChain(client, { anchor: head })).ok).toBe(true);
      const report = await verifyAuditChain(client, {
        anchor: { sequence: head.sequence + 1, entry_hash: 'c'.repeat(64) },
      });
      expect(report.first_problem).toEqual({
        sequence: head.sequence + 1,
        problem: 'anchor_mismatch',
        expected: 'c'.repeat(64),
        found: 'no such entry',
      });
    });
  });
});
