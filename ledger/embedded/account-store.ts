// Accounts (few, so plain mutable records) and each account's history: the time-ordered list of
// everything that moved its balance. The history serves both get_account_transfers (every account,
// as TigerBeetle indexes transfers by account) and get_account_balances (accounts flagged
// `history`), where a past balance is replayed from the nearest checkpoint instead of storing four
// u128 balances per entry.

import { ledger_error_codes, ledgerError } from '../ledger-errors.js';
import type { Account } from '../ledger-port.js';
import { IdIndex } from './id-index.js';
import { accounts_max, assert, history_checkpoint_interval } from './limits.js';

/**
 * A history entry is a transfer row index, shifted left by one; the low bit marks the expiry of
 * the pending transfer at that row (expiry moves balances but is not a transfer of its own).
 */
export const history_entry_expiry_bit = 1;

export type Balance = {
  debits_pending: bigint;
  debits_posted: bigint;
  credits_pending: bigint;
  credits_posted: bigint;
};

export class AccountHistory {
  count = 0;
  /** Set once an expiry entry is recorded: entries are then no longer binary-searchable by time. */
  has_expiry_entries = false;
  private entries = new Uint32Array(8);
  /** Checkpoint k holds the balance before entry k × history_checkpoint_interval. */
  private readonly checkpoints: Balance[] = [];

  entry(position: number): number {
    assert(position >= 0 && position < this.count, 'history position in range');
    return this.entries[position]!;
  }

  /** Records an entry; `balance_before` must be the account's balance before the entry applies. */
  append(entry: number, balance_before: Balance): void {
    if (this.count % history_checkpoint_interval === 0) {
      this.checkpoints.push({
        debits_pending: balance_before.debits_pending,
        debits_posted: balance_before.debits_posted,
        credits_pending: balance_before.credits_pending,
        credits_posted: balance_before.credits_posted,
      });
    }
    if (this.count === this.entries.length) {
      const entries = new Uint32Array(this.entries.length * 2);
      entries.set(this.entries);
      this.entries = entries;
    }
    this.entries[this.count] = entry;
    this.count += 1;
    if ((entry & history_entry_expiry_bit) !== 0) this.has_expiry_entries = true;
  }

  /** Removes the last entry, which must be `entry`: the rollback of a failed linked chain. */
  pop(entry: number): void {
    assert(this.count > 0 && this.entries[this.count - 1] === entry, 'rollback pops the newest entry');
    this.count -= 1;
    if (this.count % history_checkpoint_interval === 0) {
      this.checkpoints.pop();
    }
    assert(
      this.checkpoints.length === Math.ceil(this.count / history_checkpoint_interval),
      'one checkpoint per interval',
    );
  }

  /** The balance before the entry at `position`, as stored by the last checkpoint at or before it. */
  checkpoint_at_or_before(position: number): { position: number; balance: Balance } {
    const checkpoint_index = Math.floor(position / history_checkpoint_interval);
    const balance = this.checkpoints[checkpoint_index];
    assert(balance !== undefined, 'a checkpoint exists for every recorded interval');
    return { position: checkpoint_index * history_checkpoint_interval, balance: { ...balance } };
  }
}

export class AccountRecord {
  debits_pending = 0n;
  debits_posted = 0n;
  credits_pending = 0n;
  credits_posted = 0n;
  readonly history = new AccountHistory();

  constructor(
    readonly index: number,
    readonly id: bigint,
    readonly user_data_128: bigint,
    readonly user_data_64: bigint,
    readonly user_data_32: number,
    readonly ledger: number,
    readonly code: number,
    /** Mutable: closing transfers set and clear the `closed` flag. */
    public flags: number,
    readonly timestamp: bigint,
  ) {}

  balance(): Balance {
    return {
      debits_pending: this.debits_pending,
      debits_posted: this.debits_posted,
      credits_pending: this.credits_pending,
      credits_posted: this.credits_posted,
    };
  }

  /** A fresh copy in the port's shape; callers may mutate it freely. */
  read(): Account {
    return {
      id: this.id,
      debits_pending: this.debits_pending,
      debits_posted: this.debits_posted,
      credits_pending: this.credits_pending,
      credits_posted: this.credits_posted,
      user_data_128: this.user_data_128,
      user_data_64: this.user_data_64,
      user_data_32: this.user_data_32,
      reserved: 0,
      ledger: this.ledger,
      code: this.code,
      flags: this.flags,
      timestamp: this.timestamp,
    };
  }
}

export class AccountStore {
  /** In creation order, which is also timestamp order. */
  readonly records: AccountRecord[] = [];
  private readonly ids = new IdIndex();

  get(id: bigint): AccountRecord | undefined {
    const index = this.ids.find(id);
    return index < 0 ? undefined : this.records[index];
  }

  get count(): number {
    return this.records.length;
  }

  insert(account: Account, flags: number, timestamp: bigint): AccountRecord {
    const index = this.records.length;
    if (index >= accounts_max)
      throw ledgerError(ledger_error_codes.embedded_full, `embedded ledger is full: ${accounts_max} accounts`);
    assert(this.ids.find(account.id) < 0, 'account ids are unique');
    assert(index === 0 || timestamp > this.records[index - 1]!.timestamp, 'accounts are appended in time order');
    const record = new AccountRecord(
      index,
      account.id,
      account.user_data_128,
      account.user_data_64,
      account.user_data_32,
      account.ledger,
      account.code,
      flags,
      timestamp,
    );
    this.records.push(record);
    this.ids.insert(record.id, index);
    return record;
  }

  /** Drops every account from `count_kept` on: the rollback of a failed linked chain. */
  truncate(count_kept: number): void {
    assert(count_kept <= this.records.length, 'truncate only shrinks');
    while (this.records.length > count_kept) {
      const record = this.records.pop()!;
      assert(record.history.count === 0, 'an account rolled back with its chain has no history');
      this.ids.remove(record.index);
    }
  }

  lower_bound(timestamp: bigint): number {
    let low = 0;
    let high = this.records.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.records[middle]!.timestamp < timestamp) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  has_timestamp(timestamp: bigint): boolean {
    const index = this.lower_bound(timestamp);
    return index < this.records.length && this.records[index]!.timestamp === timestamp;
  }

  last_timestamp(): bigint {
    const last = this.records[this.records.length - 1];
    return last === undefined ? 0n : last.timestamp;
  }
}
