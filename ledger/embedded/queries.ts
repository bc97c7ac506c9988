// get_account_transfers, get_account_balances, query_accounts and query_transfers with
// TigerBeetle 0.17's filter semantics: zero means "any" for every field filter, the timestamp
// range is inclusive, results come oldest first unless `reversed`, at most `limit` of them, and an
// invalid filter answers with no results rather than an error.

import {
  AccountFilterFlags,
  AccountFlags,
  QueryFilterFlags,
  TransferFlags,
  u128_max,
  type Account,
  type AccountBalance,
  type AccountFilter,
  type QueryFilter,
  type Transfer,
} from '../ledger-port.js';
import { history_entry_expiry_bit, type AccountRecord, type Balance } from './account-store.js';
import type { LedgerState } from './ledger-state.js';
import { history_checkpoint_interval, timestamp_max_valid, timestamp_min_valid } from './limits.js';
import { high_u64 } from './transfer-store.js';

const account_filter_flags_known = AccountFilterFlags.debits | AccountFilterFlags.credits | AccountFilterFlags.reversed;

type TimestampRange = { min: bigint; max: bigint };

function timestamp_bound_valid(timestamp: bigint): boolean {
  return timestamp === 0n || (timestamp >= timestamp_min_valid && timestamp <= timestamp_max_valid);
}

/** The inclusive range a filter asks for, or null when TigerBeetle would reject the filter. */
function filter_range(filter: { timestamp_min: bigint; timestamp_max: bigint; limit: number }): TimestampRange | null {
  if (!timestamp_bound_valid(filter.timestamp_min) || !timestamp_bound_valid(filter.timestamp_max)) return null;
  if (filter.timestamp_max !== 0n && filter.timestamp_min > filter.timestamp_max) return null;
  if (filter.limit === 0) return null;
  return {
    min: filter.timestamp_min === 0n ? timestamp_min_valid : filter.timestamp_min,
    max: filter.timestamp_max === 0n ? timestamp_max_valid : filter.timestamp_max,
  };
}

function account_filter_valid(filter: AccountFilter): boolean {
  if (filter.account_id === 0n || filter.account_id === u128_max) return false;
  if ((filter.flags & (AccountFilterFlags.debits | AccountFilterFlags.credits)) === 0) return false;
  return (filter.flags & ~account_filter_flags_known) === 0;
}

export function get_account_transfers(state: LedgerState, filter: AccountFilter): Transfer[] {
  const account = state.accounts.get(filter.account_id);
  if (account === undefined) return [];
  const rows = matching_history_positions(state, account, filter);
  return rows.map((position) => state.transfers.read(account.history.entry(position) >>> 1, state.accounts.records));
}

/** Balances after each matching transfer, only for accounts created with the `history` flag. */
export function get_account_balances(state: LedgerState, filter: AccountFilter): AccountBalance[] {
  const account = state.accounts.get(filter.account_id);
  if (account === undefined || (account.flags & AccountFlags.history) === 0) return [];
  const positions = matching_history_positions(state, account, filter);
  const replay = new BalanceReplay(state, account);
  return positions.map((position) => {
    const balance = replay.after(position);
    return { ...balance, timestamp: state.transfers.timestamp(account.history.entry(position) >>> 1) };
  });
}

/** Positions in the account's history of the transfers the filter selects, in result order. */
function matching_history_positions(state: LedgerState, account: AccountRecord, filter: AccountFilter): number[] {
  const range = filter_range(filter);
  if (range === null || !account_filter_valid(filter)) return [];
  const { transfers } = state;
  const history = account.history;
  const user_data_128_high = high_u64(filter.user_data_128);
  const user_data_128_low = BigInt.asUintN(64, filter.user_data_128);
  const want_debits = (filter.flags & AccountFilterFlags.debits) !== 0;
  const want_credits = (filter.flags & AccountFilterFlags.credits) !== 0;

  const matches = (position: number): boolean => {
    const entry = history.entry(position);
    if ((entry & history_entry_expiry_bit) !== 0) return false;
    const index = entry >>> 1;
    const timestamp = transfers.timestamp(index);
    if (timestamp < range.min || timestamp > range.max) return false;
    const is_debit = transfers.debit_account_index(index) === account.index;
    if (is_debit ? !want_debits : !want_credits) return false;
    if (filter.user_data_128 !== 0n && !transfers.user_data_128_equals(index, user_data_128_high, user_data_128_low)) {
      return false;
    }
    if (filter.user_data_64 !== 0n && transfers.user_data_64(index) !== filter.user_data_64) return false;
    if (filter.user_data_32 !== 0 && transfers.user_data_32(index) !== filter.user_data_32) return false;
    return filter.code === 0 || transfers.code(index) === filter.code;
  };

  const { first, end } = history_window(state, account, range);
  const positions: number[] = [];
  if ((filter.flags & AccountFilterFlags.reversed) !== 0) {
    for (let position = end - 1; position >= first && positions.length < filter.limit; position -= 1) {
      if (matches(position)) positions.push(position);
    }
  } else {
    for (let position = first; position < end && positions.length < filter.limit; position += 1) {
      if (matches(position)) positions.push(position);
    }
  }
  return positions;
}

/** The slice of the history that can hold timestamps in range (all of it once expiries interleave). */
function history_window(
  state: LedgerState,
  account: AccountRecord,
  range: TimestampRange,
): { first: number; end: number } {
  const history = account.history;
  if (history.has_expiry_entries) return { first: 0, end: history.count };
  const timestamp_at = (position: number): bigint => state.transfers.timestamp(history.entry(position) >>> 1);
  return {
    first: history_lower_bound(history.count, timestamp_at, range.min),
    end: history_lower_bound(history.count, timestamp_at, range.max + 1n),
  };
}

function history_lower_bound(count: number, timestamp_at: (position: number) => bigint, timestamp: bigint): number {
  let low = 0;
  let high = count;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (timestamp_at(middle) < timestamp) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Recomputes the balance after a history entry from the nearest checkpoint before it. Reads in
 * ascending order reuse the running balance; any other jump restarts from a checkpoint, so one
 * read costs at most `history_checkpoint_interval` entry replays.
 */
class BalanceReplay {
  // Starts "after the end" so that the first read always begins at a checkpoint.
  private position = Number.MAX_SAFE_INTEGER;
  private balance: Balance = { debits_pending: 0n, debits_posted: 0n, credits_pending: 0n, credits_posted: 0n };

  constructor(
    private readonly state: LedgerState,
    private readonly account: AccountRecord,
  ) {}

  after(position: number): Balance {
    const target = position + 1;
    if (target < this.position || target - this.position > history_checkpoint_interval) {
      const start = this.account.history.checkpoint_at_or_before(position);
      this.position = start.position;
      this.balance = start.balance;
    }
    while (this.position < target) {
      this.apply(this.account.history.entry(this.position));
      this.position += 1;
    }
    return { ...this.balance };
  }

  private apply(entry: number): void {
    const { transfers } = this.state;
    const index = entry >>> 1;
    const is_debit = transfers.debit_account_index(index) === this.account.index;
    const amount = transfers.amount(index);
    if ((entry & history_entry_expiry_bit) !== 0) {
      this.move_pending(is_debit, -amount);
      return;
    }
    const flags = transfers.flags(index);
    if ((flags & TransferFlags.pending) !== 0) {
      this.move_pending(is_debit, amount);
    } else if ((flags & (TransferFlags.post_pending_transfer | TransferFlags.void_pending_transfer)) !== 0) {
      this.move_pending(is_debit, -transfers.amount(transfers.pending_index(index)));
      if ((flags & TransferFlags.post_pending_transfer) !== 0) this.move_posted(is_debit, amount);
    } else {
      this.move_posted(is_debit, amount);
    }
  }

  private move_pending(is_debit: boolean, delta: bigint): void {
    if (is_debit) this.balance.debits_pending += delta;
    else this.balance.credits_pending += delta;
  }

  private move_posted(is_debit: boolean, delta: bigint): void {
    if (is_debit) this.balance.debits_posted += delta;
    else this.balance.credits_posted += delta;
  }
}

type QueryFields = {
  user_data_128: bigint;
  user_data_64: bigint;
  user_data_32: number;
  ledger: number;
  code: number;
};

function query_range(filter: QueryFilter): TimestampRange | null {
  if ((filter.flags & ~QueryFilterFlags.reversed) !== 0) return null;
  return filter_range(filter);
}

export function query_accounts(state: LedgerState, filter: QueryFilter): Account[] {
  const range = query_range(filter);
  if (range === null) return [];
  const records = state.accounts.records;
  const first = state.accounts.lower_bound(range.min);
  const end = state.accounts.lower_bound(range.max + 1n);
  const matches = (record: QueryFields): boolean => query_fields_match(record, filter);
  const found: Account[] = [];
  const reversed = (filter.flags & QueryFilterFlags.reversed) !== 0;
  for (let step = 0; step < end - first && found.length < filter.limit; step += 1) {
    const record = records[reversed ? end - 1 - step : first + step]!;
    if (matches(record)) found.push(record.read());
  }
  return found;
}

export function query_transfers(state: LedgerState, filter: QueryFilter): Transfer[] {
  const range = query_range(filter);
  if (range === null) return [];
  const { transfers } = state;
  const first = transfers.lower_bound(range.min);
  const end = transfers.lower_bound(range.max + 1n);
  const user_data_128_high = high_u64(filter.user_data_128);
  const user_data_128_low = BigInt.asUintN(64, filter.user_data_128);
  const matches = (index: number): boolean => {
    if (filter.user_data_128 !== 0n && !transfers.user_data_128_equals(index, user_data_128_high, user_data_128_low)) {
      return false;
    }
    if (filter.user_data_64 !== 0n && transfers.user_data_64(index) !== filter.user_data_64) return false;
    if (filter.user_data_32 !== 0 && transfers.user_data_32(index) !== filter.user_data_32) return false;
    if (filter.ledger !== 0 && transfers.ledger(index) !== filter.ledger) return false;
    return filter.code === 0 || transfers.code(index) === filter.code;
  };
  const found: Transfer[] = [];
  const reversed = (filter.flags & QueryFilterFlags.reversed) !== 0;
  for (let step = 0; step < end - first && found.length < filter.limit; step += 1) {
    const index = reversed ? end - 1 - step : first + step;
    if (matches(index)) found.push(transfers.read(index, state.accounts.records));
  }
  return found;
}

function query_fields_match(fields: QueryFields, filter: QueryFilter): boolean {
  if (filter.user_data_128 !== 0n && fields.user_data_128 !== filter.user_data_128) return false;
  if (filter.user_data_64 !== 0n && fields.user_data_64 !== filter.user_data_64) return false;
  if (filter.user_data_32 !== 0 && fields.user_data_32 !== filter.user_data_32) return false;
  if (filter.ledger !== 0 && fields.ledger !== filter.ledger) return false;
  return filter.code === 0 || fields.code === filter.code;
}
