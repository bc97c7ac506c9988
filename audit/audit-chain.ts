// The audit log's hash chain, pure: how an entry's hash is computed and how a sequence of stored
// entries is checked. No I/O here, so the database code (audit/audit-log.ts), `keel verify` and
// any outside auditor with an export of the table compute exactly the same thing.
//
// entry_hash = hex SHA-256 of the UTF-8 canonical JSON (ordered keys, platform/canonical-json.ts) of
//   {"kind": …, "payload": …, "previous_hash": …, "recorded_at": "…Z", "sequence": N}
// previous_hash is the entry_hash of the entry before; the first entry (sequence 1) links to 64 zeros.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../platform/canonical-json.js';
import { utc_time_pattern } from '../platform/utc-time.js';
import { audit_error_codes, auditError } from './audit-errors.js';

export const genesis_hash = '0'.repeat(64);
export const audit_limits = {
  entries_per_append: 10_000,
  payload_bytes: 1024 * 1024,
  payload_depth: 64,
} as const;

const kind_pattern = /^[a-z][a-z0-9_.]{0,99}$/;
const hash_pattern = /^[0-9a-f]{64}$/;

/** A JSON value as the log stores it: what JSON.parse can give back, nothing else. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** One stored entry: the columns of `audit_log`, with `entry` called payload. */
export type AuditEntry = {
  sequence: number;
  kind: string;
  payload: JsonValue;
  previous_hash: string;
  entry_hash: string;
  /** ISO-8601 UTC with milliseconds, as `Date.prototype.toISOString` writes it. */
  recorded_at: string;
};

export type HashedFields = Omit<AuditEntry, 'entry_hash'>;

export function entryHash(fields: HashedFields): string {
  assertHashable(fields);
  const { sequence, kind, payload, previous_hash, recorded_at } = fields;
  return createHash('sha256')
    .update(canonicalJson({ sequence, kind, payload, previous_hash, recorded_at }), 'utf8')
    .digest('hex');
}

/** The next entries after a head, linked and hashed; `recorded_at` is shared by the batch. */
export function chainEntries(
  head: { sequence: number; entry_hash: string },
  entries: readonly { kind: string; payload: unknown }[],
  recorded_at: string,
): AuditEntry[] {
  if (entries.length > audit_limits.entries_per_append) {
    throw auditError(
      audit_error_codes.log_batch_too_large,
      `${entries.length} entries in one append, at most ${audit_limits.entries_per_append}`,
    );
  }
  const chained: AuditEntry[] = [];
  let previous = head;
  for (const [index, entry] of entries.entries()) {
    assertKind(entry.kind, index);
    const payload = jsonPayload(entry.payload, index);
    const fields: HashedFields = {
      sequence: previous.sequence + 1,
      kind: entry.kind,
      payload,
      previous_hash: previous.entry_hash,
      recorded_at,
    };
    const next: AuditEntry = { ...fields, entry_hash: entryHash(fields) };
    chained.push(next);
    previous = next;
  }
  return chained;
}

function assertKind(kind: string, index: number): void {
  if (typeof kind !== 'string' || !kind_pattern.test(kind)) {
    throw auditError(
      audit_error_codes.log_kind_invalid,
      `entry ${index}: kind must match ${kind_pattern}, got ${JSON.stringify(kind)}`,
      { field: `${index}.kind` },
    );
  }
}

/**
 * The payload checked to be plain JSON, within limits. What is hashed must be exactly what jsonb
 * gives back: a Date, a bigint, a Map or NaN would be hashed in one form and read back in another,
 * and the chain would then fail to verify for a row nobody touched.
 */
export function jsonPayload(payload: unknown, index = 0): JsonValue {
  const problem = jsonProblem(payload, '', 0);
  if (problem !== undefined)
    throw auditError(audit_error_codes.log_payload_invalid, `entry ${index}: payload${problem}`, {
      field: `${index}.payload`,
    });
  const bytes = Buffer.byteLength(canonicalJson(payload), 'utf8');
  if (bytes > audit_limits.payload_bytes) {
    throw auditError(
      audit_error_codes.log_payload_too_large,
      `entry ${index}: payload is ${bytes} bytes of canonical JSON, at most ${audit_limits.payload_bytes}`,
      { field: `${index}.payload` },
    );
  }
  return payload as JsonValue;
}

function jsonProblem(value: unknown, path: string, depth: number): string | undefined {
  if (depth > audit_limits.payload_depth) return `${path} nests deeper than ${audit_limits.payload_depth}`;
  if (value === null || typeof value === 'boolean') return undefined;
  if (typeof value === 'string') return stringProblem(value, path);
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path} is ${value}, not a JSON number`;
  if (Array.isArray(value))
    return firstDefined(value, (item, index) => jsonProblem(item, `${path}.${index}`, depth + 1));
  if (typeof value === 'object' && isPlainObject(value)) {
    return firstDefined(
      Object.entries(value),
      ([key, item]) =>
        stringProblem(key, `${path} key ${JSON.stringify(key)}`) ?? jsonProblem(item, `${path}.${key}`, depth + 1),
    );
  }
  return `${path} is a ${describeType(value)}, not JSON (amounts are decimal strings, times ISO-8601 strings)`;
}

const lone_surrogate_pattern = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** PostgreSQL's jsonb holds neither U+0000 nor half a surrogate pair; refusing them here gives a clear error before the insert. */
function stringProblem(value: string, path: string): string | undefined {
  if (value.includes('\u0000')) return `${path} contains U+0000`;
  if (lone_surrogate_pattern.test(value)) return `${path} contains a lone UTF-16 surrogate`;
  return undefined;
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function describeType(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

function firstDefined<T>(
  items: readonly T[],
  check: (item: T, index: number) => string | undefined,
): string | undefined {
  for (const [index, item] of items.entries()) {
    const problem = check(item, index);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function assertHashable(fields: HashedFields): void {
  const problems: string[] = [];
  if (!Number.isSafeInteger(fields.sequence) || fields.sequence < 1)
    problems.push(`sequence ${fields.sequence} is not a whole number ≥ 1`);
  if (!hash_pattern.test(fields.previous_hash)) problems.push('previous_hash is not 64 lowercase hex digits');
  if (!utc_time_pattern.test(fields.recorded_at))
    problems.push(`recorded_at ${fields.recorded_at} is not ISO-8601 UTC with milliseconds`);
  if (problems.length > 0)
    throw auditError(audit_error_codes.log_row_invalid, `audit entry cannot be hashed: ${problems.join('; ')}`);
}

// ---- verification -------------------------------------------------------------------------------

export type ChainProblemKind =
  /** The row's content does not give its entry_hash: the row was edited. */
  | 'hash_mismatch'
  /** A sequence number is missing: a row was deleted. */
  | 'sequence_gap'
  /** A sequence number at or below one already read: a duplicated row (or rows given out of order). */
  | 'sequence_repeated'
  /** previous_hash is not the entry_hash of the row before: rows were reordered or a row replaced. */
  | 'link_broken'
  /** A row that the chain skips: the next row links to the one before it, so this one was put in. */
  | 'inserted_row'
  /** The anchor (a head recorded earlier) is not in the chain: the log was truncated or rewritten. */
  | 'anchor_mismatch';

export type ChainProblem = { sequence: number; problem: ChainProblemKind; expected: string; found: string };

export type ChainReport = {
  ok: boolean;
  entries: number;
  head: { sequence: number; hash: string };
  first_problem?: ChainProblem;
};

export type ChainAnchor = { sequence: number; entry_hash: string };

/**
 * Checks stored entries fed in sequence order, one at a time, in constant memory. Only the first
 * problem is kept: after it, what looks wrong may just be a consequence of it. Checks run in the
 * order that names the cause best: numbering first, then the link to the row before, then the
 * row's own hash.
 */
export class ChainVerifier {
  private entries = 0;
  private expected_sequence = 1;
  /** The entry_hash of the last two rows read, stored values: [before previous, previous]. */
  private before_previous_hash: string | undefined = undefined;
  private previous_hash = genesis_hash;
  private head = { sequence: 0, hash: genesis_hash };
  private first_problem: ChainProblem | undefined = undefined;
  private anchor_seen = false;

  constructor(private readonly anchor?: ChainAnchor) {}

  push(entry: AuditEntry): void {
    this.entries += 1;
    if (this.first_problem === undefined) this.first_problem = this.check(entry);
    if (this.anchor !== undefined && entry.sequence === this.anchor.sequence) this.checkAnchor(entry);
    this.before_previous_hash = this.previous_hash;
    this.previous_hash = entry.entry_hash;
    this.expected_sequence = entry.sequence + 1;
    this.head = { sequence: entry.sequence, hash: entry.entry_hash };
  }

  finish(): ChainReport {
    if (this.anchor !== undefined && !this.anchor_seen && this.first_problem === undefined) {
      this.first_problem = {
        sequence: this.anchor.sequence,
        problem: 'anchor_mismatch',
        expected: this.anchor.entry_hash,
        found: 'no such entry',
      };
    }
    const report: ChainReport = { ok: this.first_problem === undefined, entries: this.entries, head: { ...this.head } };
    if (this.first_problem !== undefined) report.first_problem = { ...this.first_problem };
    return report;
  }

  private check(entry: AuditEntry): ChainProblem | undefined {
    const expected = this.expected_sequence;
    if (entry.sequence > expected)
      return { sequence: expected, problem: 'sequence_gap', expected: String(expected), found: String(entry.sequence) };
    if (entry.sequence < expected)
      return {
        sequence: entry.sequence,
        problem: 'sequence_repeated',
        expected: String(expected),
        found: String(entry.sequence),
      };
    if (entry.previous_hash !== this.previous_hash) return this.linkProblem(entry);
    const recomputed = recomputedHash(entry);
    if (recomputed !== entry.entry_hash)
      return { sequence: entry.sequence, problem: 'hash_mismatch', expected: recomputed, found: entry.entry_hash };
    return undefined;
  }

  /** A row linking past its predecessor to the row before that means the predecessor was put in between. */
  private linkProblem(entry: AuditEntry): ChainProblem {
    if (this.before_previous_hash !== undefined && entry.previous_hash === this.before_previous_hash) {
      return {
        sequence: entry.sequence - 1,
        problem: 'inserted_row',
        expected: entry.previous_hash,
        found: this.previous_hash,
      };
    }
    return {
      sequence: entry.sequence,
      problem: 'link_broken',
      expected: this.previous_hash,
      found: entry.previous_hash,
    };
  }

  private checkAnchor(entry: AuditEntry): void {
    this.anchor_seen = true;
    if (entry.entry_hash === this.anchor!.entry_hash || this.first_problem !== undefined) return;
    this.first_problem = {
      sequence: entry.sequence,
      problem: 'anchor_mismatch',
      expected: this.anchor!.entry_hash,
      found: entry.entry_hash,
    };
  }
}

/** The hash a stored row should carry; a row too damaged to hash is described instead (it cannot match). */
function recomputedHash(entry: AuditEntry): string {
  try {
    return entryHash(entry);
  } catch (error) {
    return `unhashable row: ${(error as Error).message}`;
  }
}

/** Verifies a whole chain given in sequence order. */
export function verifyChain(entries: Iterable<AuditEntry>, anchor?: ChainAnchor): ChainReport {
  const verifier = new ChainVerifier(anchor);
  for (const entry of entries) verifier.push(entry);
  return verifier.finish();
}
