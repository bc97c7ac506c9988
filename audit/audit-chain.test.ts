// The pure hash chain: a pinned hash (so the format can never drift unnoticed), linking, the
// payload rules, and the verifier naming each kind of damage at its exact position.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  audit_limits,
  chainEntries,
  entryHash,
  genesis_hash,
  jsonPayload,
  verifyChain,
  type AuditEntry,
} from './audit-chain.js';

const recorded_at = '2024-03-01T10:00:01.120Z';

function chain(count: number): AuditEntry[] {
  const entries = Array.from({ length: count }, (_, index) => ({
    kind: 'test_entry',
    payload: { index, amount: `${index}.5` },
  }));
  return chainEntries({ sequence: 0, entry_hash: genesis_hash }, entries, recorded_at);
}

describe('entryHash', () => {
  it('is SHA-256 of the canonical JSON of {kind, payload, previous_hash, recorded_at, sequence} (pinned)', () => {
    const fields = {
      sequence: 1,
      kind: 'trade_record',
      payload: {
        trade_id: 'binance:spot-main:trade:BTCUSDT:28457',
        quantity: '0.5',
        fees: [{ asset: 'BNB', amount: '0.0001' }],
        note: 'prix: 61 250,00 €',
      },
      previous_hash: genesis_hash,
      recorded_at,
    };
    // Written out by hand: keys in code-unit order at every depth, no whitespace.
    const canonical =
      '{"kind":"trade_record","payload":{"fees":[{"amount":"0.0001","asset":"BNB"}],"note":"prix: 61 250,00 €","quantity":"0.5",' +
      '"trade_id":"binance:spot-main:trade:BTCUSDT:28457"},"previous_hash":"' +
      '0'.repeat(64) +
      '","recorded_at":"2024-03-01T10:00:01.120Z","sequence":1}';
    expect(createHash('sha256').update(canonical, 'utf8').digest('hex')).toBe(
      '832c3157c474064a1d59843f301a9fde5ff9ae5c9f0a47408d88daf124f9f4eb',
    );
    expect(entryHash(fields)).toBe('832c3157c474064a1d59843f301a9fde5ff9ae5c9f0a47408d88daf124f9f4eb');
  });

  it('changes with every hashed field', () => {
    const base = { sequence: 2, kind: 'k', payload: { a: '1' }, previous_hash: 'a'.repeat(64), recorded_at };
    const hashes = new Set([
      entryHash(base),
      entryHash({ ...base, sequence: 3 }),
      entryHash({ ...base, kind: 'l' }),
      entryHash({ ...base, payload: { a: '1.0' } }),
      entryHash({ ...base, previous_hash: 'b'.repeat(64) }),
      entryHash({ ...base, recorded_at: '2024-03-01T10:00:01.121Z' }),
    ]);
    expect(hashes.size).toBe(6);
    expect(entryHash({ ...base, payload: { a: '1' } })).toBe(entryHash(base));
  });

  it('refuses fields that cannot be hashed the same way twice', () => {
    const base = { sequence: 1, kind: 'k', payload: null, previous_hash: genesis_hash, recorded_at };
    expect(() => entryHash({ ...base, sequence: 0 })).toThrow(/KEEL_ERR_AUDIT_LOG_ROW_INVALID|sequence 0/);
    expect(() => entryHash({ ...base, previous_hash: 'A'.repeat(64) })).toThrow(/previous_hash/);
    expect(() => entryHash({ ...base, recorded_at: '2024-03-01T10:00:01Z' })).toThrow(/recorded_at/);
  });
});

describe('chainEntries', () => {
  it('links each entry to the one before, from the given head', () => {
    const entries = chain(3);
    expect(entries.map((entry) => entry.sequence)).toEqual([1, 2, 3]);
    expect(entries[0]!.previous_hash).toBe(genesis_hash);
    expect(entries[1]!.previous_hash).toBe(entries[0]!.entry_hash);
    expect(entries[2]!.previous_hash).toBe(entries[1]!.entry_hash);
    const more = chainEntries(
      { sequence: 3, entry_hash: entries[2]!.entry_hash },
      [{ kind: 'test_entry', payload: [] }],
      recorded_at,
    );
    expect(more[0]).toMatchObject({ sequence: 4, previous_hash: entries[2]!.entry_hash });
    expect(verifyChain([...entries, ...more])).toEqual({
      ok: true,
      entries: 4,
      head: { sequence: 4, hash: more[0]!.entry_hash },
    });
  });

  it('refuses a bad kind, a payload that is not plain JSON, and too many entries', () => {
    const head = { sequence: 0, entry_hash: genesis_hash };
    expect(() => chainEntries(head, [{ kind: 'Trade Record', payload: {} }], recorded_at)).toThrow(
      /KEEL_ERR|kind must match/,
    );
    for (const payload of [
      { at: new Date(0) },
      { amount: 1n },
      { ratio: Number.NaN },
      { list: [undefined] },
      new Map(),
      { text: 'a\u0000b' },
      { text: 'half \ud83d pair' },
    ]) {
      expect(() => chainEntries(head, [{ kind: 'k', payload }], recorded_at)).toThrow(/payload/);
    }
    const too_many = Array.from({ length: audit_limits.entries_per_append + 1 }, () => ({ kind: 'k', payload: null }));
    expect(() => chainEntries(head, too_many, recorded_at)).toThrow(/at most 10000/);
  });

  it('names the path of the first non-JSON value and bounds size and depth', () => {
    try {
      jsonPayload({ fills: [{ price: '1' }, { price: new Date(0) }] }, 7);
      expect.unreachable();
    } catch (error) {
      expect((error as { code: string; field: string }).code).toBe('KEEL_ERR_AUDIT_LOG_PAYLOAD_INVALID');
      expect((error as Error).message).toContain('entry 7: payload.fills.1.price is a Date');
    }
    expect(() => jsonPayload({ text: 'x'.repeat(audit_limits.payload_bytes) })).toThrow(
      /KEEL_ERR|bytes of canonical JSON/,
    );
    let deep: unknown = 'leaf';
    for (let depth = 0; depth < 70; depth += 1) deep = [deep];
    expect(() => jsonPayload(deep)).toThrow(/nests deeper than 64/);
  });
});

describe('verifyChain', () => {
  it('accepts an empty chain with the genesis head', () => {
    expect(verifyChain([])).toEqual({ ok: true, entries: 0, head: { sequence: 0, hash: genesis_hash } });
  });

  it('reports an edited row as a hash mismatch at its sequence', () => {
    const entries = chain(6);
    entries[3] = { ...entries[3]!, payload: { index: 3, amount: '1000000' } };
    expect(verifyChain(entries).first_problem).toEqual({
      sequence: 4,
      problem: 'hash_mismatch',
      expected: entryHash(entries[3]!),
      found: chain(6)[3]!.entry_hash,
    });
  });

  it('reports a deleted row as a sequence gap at the missing sequence', () => {
    const entries = chain(6);
    entries.splice(2, 1);
    const report = verifyChain(entries);
    expect(report.ok).toBe(false);
    expect(report.first_problem).toEqual({ sequence: 3, problem: 'sequence_gap', expected: '3', found: '4' });
    expect(report.entries).toBe(5);
  });

  it('reports a duplicated row at its sequence', () => {
    const entries = chain(4);
    entries.splice(2, 0, entries[1]!);
    expect(verifyChain(entries).first_problem).toEqual({
      sequence: 2,
      problem: 'sequence_repeated',
      expected: '3',
      found: '2',
    });
  });

  it('reports two swapped rows (renumbered) as a broken link at the first of them', () => {
    const entries = chain(6);
    const [second, fifth] = [entries[1]!, entries[4]!];
    entries[1] = { ...fifth, sequence: 2 };
    entries[4] = { ...second, sequence: 5 };
    expect(verifyChain(entries).first_problem).toEqual({
      sequence: 2,
      problem: 'link_broken',
      expected: entries[0]!.entry_hash,
      found: fifth.previous_hash,
    });
  });

  it('reports a forged row put in between (later rows renumbered) as an inserted row at its position', () => {
    const entries = chain(5);
    const forged_fields = {
      sequence: 3,
      kind: 'test_entry',
      payload: { forged: true },
      previous_hash: entries[1]!.entry_hash,
      recorded_at,
    };
    const forged = { ...forged_fields, entry_hash: entryHash(forged_fields) };
    const tampered = [
      ...entries.slice(0, 2),
      forged,
      ...entries.slice(2).map((entry) => ({ ...entry, sequence: entry.sequence + 1 })),
    ];
    expect(verifyChain(tampered).first_problem).toEqual({
      sequence: 3,
      problem: 'inserted_row',
      expected: entries[1]!.entry_hash,
      found: forged.entry_hash,
    });
  });

  it('reports a first row that does not start from the genesis hash', () => {
    const entries = chain(2);
    entries[0] = { ...entries[0]!, previous_hash: 'f'.repeat(64) };
    expect(verifyChain(entries).first_problem).toMatchObject({
      sequence: 1,
      problem: 'link_broken',
      expected: genesis_hash,
    });
  });

  it('checks an anchor: present and equal, changed, or cut off', () => {
    const entries = chain(5);
    expect(verifyChain(entries, { sequence: 3, entry_hash: entries[2]!.entry_hash }).ok).toBe(true);
    expect(verifyChain(entries, { sequence: 3, entry_hash: 'e'.repeat(64) }).first_problem).toEqual({
      sequence: 3,
      problem: 'anchor_mismatch',
      expected: 'e'.repeat(64),
      found: entries[2]!.entry_hash,
    });
    expect(verifyChain(entries.slice(0, 2), { sequence: 3, entry_hash: entries[2]!.entry_hash }).first_problem).toEqual(
      {
        sequence: 3,
        problem: 'anchor_mismatch',
        expected: entries[2]!.entry_hash,
        found: 'no such entry',
      },
    );
  });

  it('keeps only the first problem and still counts every row and reports the stored head', () => {
    const entries = chain(8);
    entries[2] = { ...entries[2]!, kind: 'edited' };
    entries[6] = { ...entries[6]!, kind: 'edited_too' };
    const report = verifyChain(entries);
    expect(report).toMatchObject({
      ok: false,
      entries: 8,
      head: { sequence: 8, hash: entries[7]!.entry_hash },
      first_problem: { sequence: 3, problem: 'hash_mismatch' },
    });
  });
});
