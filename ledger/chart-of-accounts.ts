// The chart of accounts and Keel's deterministic ids.
//
// Account id  = first 128 bits of SHA-256("keel.account.v1|" venue|account|type|asset), where
//               `asset` is the asset code, or the instrument symbol for contract accounts.
// Transfer id = event time in ms (high 48 bits) | first 72 bits of SHA-256("keel.event-id.v1|"
//               event id) | leg index (low 8 bits). The time prefix keeps ids roughly
//               time-ordered, which TigerBeetle's LSM stores much faster; the hash makes an
//               event's ids independent of the process, the offset and the order of arrival, so a
//               replay recreates the same ids and TigerBeetle answers `exists`, not a second post.
// Event key   = first 128 bits of SHA-256("keel.event.v1|" canonical JSON of the event without
//               `raw`), in every leg's `user_data_128`: it links the legs of one event, and since
//               it covers the content, the same id delivered with different content meets
//               `exists_with_different_user_data_128` in TigerBeetle: a conflict, never applied.
// Every field is separated by '|' after escaping, so ("a|b","c") and ("a","b|c") never collide.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../platform/canonical-json.js';
import { AccountFlags, newAccount, u128_max, type Account } from './ledger-port.js';

/** Account `code` per account type (DESIGN.md §4). Values are stored in TigerBeetle: never renumber. */
export const account_type_codes = {
  cash: 1,
  position: 2,
  fees: 3,
  realised_pnl: 4,
  margin: 5,
  funding_pnl: 6,
  counterparty: 7,
  external: 8,
  income: 9,
} as const;

export type AccountType = keyof typeof account_type_codes;
export const account_types = Object.keys(account_type_codes) as AccountType[];

/** Who an account belongs to and what it counts: the natural key behind every account id. */
export type AccountKey = {
  readonly venue: string;
  readonly account: string;
  readonly type: AccountType;
  /** Asset code, or the instrument symbol for position and contract-counterparty accounts. */
  readonly asset: string;
};

/** A ledger account Keel needs: its key, its id, the TigerBeetle ledger it lives on and that ledger's scale. */
export type AccountSpec = AccountKey & { readonly id: bigint; readonly ledger: number; readonly scale: number };

const event_time_ms_max = 2n ** 48n - 1n;
export const legs_per_event_max = 256;

export function accountId(key: AccountKey): bigint {
  return accountIdOfName(accountName(key));
}

function accountName(key: AccountKey): string {
  return `keel.account.v1|${escapeField(key.venue)}|${escapeField(key.account)}|${key.type}|${escapeField(key.asset)}`;
}

function accountIdOfName(name: string): bigint {
  const id = hash128(name);
  // A SHA-256 prefix of 0 or 2^128-1 has probability 2^-127: asserting beats a silent fix-up.
  if (id === 0n || id === u128_max) throw new Error(`account id of ${name} is a reserved value`);
  return id;
}

/** Identifies a venue account (all its accounts share it in `user_data_128`, for queries). */
export function venueAccountKey(venue: string, account: string): bigint {
  return hash128(`keel.venue-account.v1|${escapeField(venue)}|${escapeField(account)}`);
}

/** 128 bits naming an event id; its first 72 bits go into every transfer id of the event. */
export function eventIdHash(event_id: string): bigint {
  return hash128(`keel.event-id.v1|${event_id}`);
}

/** 128 bits naming an event's content (`raw`, the venue's own payload, is left out). */
export function eventKey(event: {
  readonly id: string;
  readonly raw?: unknown;
  readonly [field: string]: unknown;
}): bigint {
  const { raw, ...content } = event;
  return hash128(`keel.event.v1|${canonicalJson(content)}`);
}

export function transferId(event_time_ms: number, event_id_hash: bigint, leg_index: number): bigint {
  const time_ms = BigInt(event_time_ms);
  if (time_ms <= 0n || time_ms > event_time_ms_max)
    throw new RangeError(`event time ${event_time_ms} ms does not fit 48 bits`);
  if (!Number.isInteger(leg_index) || leg_index < 0 || leg_index >= legs_per_event_max) {
    throw new RangeError(`leg index ${leg_index} is outside 0..${legs_per_event_max - 1}`);
  }
  const hash_72 = event_id_hash >> 56n;
  return (time_ms << 80n) | (hash_72 << 8n) | BigInt(leg_index);
}

/** The event time (ms since the epoch) carried in a transfer id's high bits. */
export function transferIdTimeMs(id: bigint): number {
  return Number(id >> 80n);
}

/**
 * Specs are immutable and the same few recur in every event of a venue account, so they are shared
 * rather than rebuilt (hashing and allocating per leg dominated posting). Bounded: past the limit
 * the memory is dropped at once and refilled.
 */
const spec_cache_max = 100_000;
const spec_cache = new Map<string, AccountSpec>();

export function accountSpec(key: AccountKey, unit: { ledger: number; scale: number }): AccountSpec {
  const name = accountName(key);
  const cache_key = `${name}|${unit.ledger}|${unit.scale}`;
  const cached = spec_cache.get(cache_key);
  if (cached !== undefined) return cached;
  const spec: AccountSpec = Object.freeze({
    venue: key.venue,
    account: key.account,
    type: key.type,
    asset: key.asset,
    id: accountIdOfName(name),
    ledger: unit.ledger,
    scale: unit.scale,
  });
  if (spec_cache.size >= spec_cache_max) spec_cache.clear();
  spec_cache.set(cache_key, spec);
  return spec;
}

/**
 * The TigerBeetle account for a spec. No balance-limit flags: Keel records what venues report and
 * streams arrive out of order, so a transient negative balance is normal (DESIGN.md §4). `history`
 * is set so that point-in-time balances can be read.
 */
export function ledgerAccount(spec: AccountSpec): Account {
  return newAccount({
    id: spec.id,
    ledger: spec.ledger,
    code: account_type_codes[spec.type],
    user_data_128: venueAccountKey(spec.venue, spec.account),
    flags: AccountFlags.history,
  });
}

function hash128(text: string): bigint {
  return BigInt(`0x${createHash('sha256').update(text).digest('hex').slice(0, 32)}`);
}

function escapeField(value: string): string {
  // Almost no name holds either character: skip the two scans of replaceAll on the hot path.
  if (!value.includes('|') && !value.includes('\\')) return value;
  return value.replaceAll('\\', '\\\\').replaceAll('|', '\\|');
}

/** By venue, account, type, asset; plain code-unit order so the output is the same under every locale. */
export function compareSpecs(left: AccountSpec, right: AccountSpec): number {
  for (const field of ['venue', 'account', 'type', 'asset'] as const) {
    if (left[field] !== right[field]) return left[field] < right[field] ? -1 : 1;
  }
  return 0;
}
