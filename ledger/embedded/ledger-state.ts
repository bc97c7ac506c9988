// The embedded ledger's whole state, and the scope that makes a linked chain atomic: while a chain
// is open every mutation is recorded so that a failing event can undo the events before it.

import { AccountRecord, AccountStore } from './account-store.js';
import { assert } from './limits.js';
import { PendingStatus, TransferStore } from './transfer-store.js';

type AccountSnapshot = {
  record: AccountRecord;
  debits_pending: bigint;
  debits_posted: bigint;
  credits_pending: bigint;
  credits_posted: bigint;
  flags: number;
};

type PendingStatusChange = { index: number; status: PendingStatus };

export class ChainScope {
  active = false;
  private account_count_mark = 0;
  private transfer_count_mark = 0;
  private readonly account_snapshots: AccountSnapshot[] = [];
  private readonly pending_status_changes: PendingStatusChange[] = [];

  constructor(private readonly state: LedgerState) {}

  open(): void {
    assert(!this.active, 'chains do not nest');
    assert(this.account_snapshots.length === 0 && this.pending_status_changes.length === 0, 'scope starts empty');
    this.active = true;
    this.account_count_mark = this.state.accounts.count;
    this.transfer_count_mark = this.state.transfers.count;
  }

  /** Call before mutating an account's balances or flags. */
  record_account(record: AccountRecord): void {
    if (!this.active) return;
    this.account_snapshots.push({
      record,
      debits_pending: record.debits_pending,
      debits_posted: record.debits_posted,
      credits_pending: record.credits_pending,
      credits_posted: record.credits_posted,
      flags: record.flags,
    });
  }

  /** Call before changing the status of an existing pending transfer. */
  record_pending_status(index: number, status: PendingStatus): void {
    if (!this.active) return;
    this.pending_status_changes.push({ index, status });
  }

  persist(): void {
    assert(this.active, 'persist closes an open scope');
    this.clear();
  }

  /** Undoes every event applied since `open`, newest first. */
  discard(): void {
    assert(this.active, 'discard closes an open scope');
    const { accounts, transfers } = this.state;
    for (let index = transfers.count - 1; index >= this.transfer_count_mark; index -= 1) {
      const entry = index << 1;
      accounts.records[transfers.credit_account_index(index)]!.history.pop(entry);
      accounts.records[transfers.debit_account_index(index)]!.history.pop(entry);
    }
    transfers.truncate(this.transfer_count_mark);
    for (let position = this.account_snapshots.length - 1; position >= 0; position -= 1) {
      const snapshot = this.account_snapshots[position]!;
      snapshot.record.debits_pending = snapshot.debits_pending;
      snapshot.record.debits_posted = snapshot.debits_posted;
      snapshot.record.credits_pending = snapshot.credits_pending;
      snapshot.record.credits_posted = snapshot.credits_posted;
      snapshot.record.flags = snapshot.flags;
    }
    for (let position = this.pending_status_changes.length - 1; position >= 0; position -= 1) {
      const change = this.pending_status_changes[position]!;
      transfers.pending_status.set(change.index, change.status);
    }
    accounts.truncate(this.account_count_mark);
    this.clear();
  }

  private clear(): void {
    this.active = false;
    this.account_snapshots.length = 0;
    this.pending_status_changes.length = 0;
  }
}

export class LedgerState {
  readonly accounts = new AccountStore();
  readonly transfers = new TransferStore();
  readonly scope = new ChainScope(this);
  /** The last timestamp handed out; every request moves it forward (TigerBeetle's prepare_timestamp). */
  prepare_timestamp = 0n;
  /** The earliest expiry among pending transfers with a timeout, or 0 when none can expire. */
  expiry_next_timestamp = 0n;
}
