// Transfers, stored column by column in typed arrays: millions of transfers then cost ~100 bytes
// each plus one id-index entry, and the garbage collector has no per-transfer objects to trace.
// Transfers are appended in timestamp order, so the row index is also the time order.

import { ledger_error_codes, ledgerError } from '../ledger-errors.js';
import type { Transfer } from '../ledger-port.js';
import type { AccountRecord } from './account-store.js';
import { IdIndex } from './id-index.js';
import { assert, burned_ids_max, transfers_max, u64_max } from './limits.js';

/** The lifecycle of a pending transfer (TigerBeetle's TransferPendingStatus). */
export enum PendingStatus {
  pending = 1,
  posted = 2,
  voided = 3,
  expired = 4,
}

const capacity_initial = 1024;

function join_u128(high: bigint, low: bigint): bigint {
  return high === 0n ? low : (high << 64n) | low;
}

function high_u64(value: bigint): bigint {
  return value > u64_max ? value >> 64n : 0n;
}

/** The fields a new transfer row is made of; account and pending references are row indexes. */
export type TransferRow = {
  id: bigint;
  debit_account_index: number;
  credit_account_index: number;
  amount: bigint;
  pending_index: number;
  user_data_128: bigint;
  user_data_64: bigint;
  user_data_32: number;
  timeout: number;
  ledger: number;
  code: number;
  flags: number;
  timestamp: bigint;
};

export class TransferStore {
  count = 0;
  private readonly ids = new IdIndex();
  /** Ids burned by a transient failure: never rows, never usable again. Rare, so a Set will do. */
  private readonly burned_ids = new Set<bigint>();
  /** Row index of a pending transfer → its status; only pending transfers have an entry. */
  readonly pending_status = new Map<number, PendingStatus>();
  /** Row indexes of pending transfers with a timeout, checked for expiry before each request. */
  expiring: number[] = [];

  private capacity = 0;
  private amount_low = new BigUint64Array(0);
  private amount_high = new BigUint64Array(0);
  private user_data_128_low = new BigUint64Array(0);
  private user_data_128_high = new BigUint64Array(0);
  private user_data_64_column = new BigUint64Array(0);
  private timestamp_column = new BigUint64Array(0);
  private debit_account_column = new Uint32Array(0);
  private credit_account_column = new Uint32Array(0);
  private pending_column = new Int32Array(0);
  private user_data_32_column = new Uint32Array(0);
  private timeout_column = new Uint32Array(0);
  private ledger_column = new Uint32Array(0);
  private code_column = new Uint16Array(0);
  private flags_column = new Uint16Array(0);

  append(row: TransferRow): number {
    const index = this.count;
    if (index >= transfers_max)
      throw ledgerError(ledger_error_codes.embedded_full, `embedded ledger is full: ${transfers_max} transfers`);
    assert(index === 0 || row.timestamp > this.timestamp(index - 1), 'transfers are appended in time order');
    if (index === this.capacity) this.grow();

    this.amount_low[index] = row.amount;
    this.amount_high[index] = high_u64(row.amount);
    this.user_data_128_low[index] = row.user_data_128;
    this.user_data_128_high[index] = high_u64(row.user_data_128);
    this.user_data_64_column[index] = row.user_data_64;
    this.timestamp_column[index] = row.timestamp;
    this.debit_account_column[index] = row.debit_account_index;
    this.credit_account_column[index] = row.credit_account_index;
    this.pending_column[index] = row.pending_index;
    this.user_data_32_column[index] = row.user_data_32;
    this.timeout_column[index] = row.timeout;
    this.ledger_column[index] = row.ledger;
    this.code_column[index] = row.code;
    this.flags_column[index] = row.flags;

    this.ids.insert(row.id, index);
    this.count = index + 1;
    return index;
  }

  /** Drops every row from `count_kept` on: the rollback of a failed linked chain. */
  truncate(count_kept: number): void {
    assert(count_kept <= this.count, 'truncate only shrinks');
    for (let index = this.count - 1; index >= count_kept; index -= 1) {
      this.ids.remove(index);
      this.pending_status.delete(index);
    }
    this.count = count_kept;
    if (this.expiring.length > 0) this.expiring = this.expiring.filter((index) => index < count_kept);
  }

  /** The row of the transfer with this id, or -1 (burned ids have no row). */
  find(id: bigint): number {
    return this.ids.find(id);
  }

  is_burned(id: bigint): boolean {
    return this.burned_ids.size !== 0 && this.burned_ids.has(id);
  }

  burn_id(id: bigint): void {
    assert(this.find(id) < 0 && !this.is_burned(id), 'only an unused id is burned');
    if (this.burned_ids.size >= burned_ids_max)
      throw ledgerError(ledger_error_codes.embedded_full, `embedded ledger is full: ${burned_ids_max} burned ids`);
    this.burned_ids.add(id);
  }

  id(index: number): bigint {
    return this.ids.id(index);
  }

  amount(index: number): bigint {
    return join_u128(this.amount_high[index]!, this.amount_low[index]!);
  }

  read_user_data_128(index: number): bigint {
    return join_u128(this.user_data_128_high[index]!, this.user_data_128_low[index]!);
  }

  user_data_128_equals(index: number, high: bigint, low: bigint): boolean {
    return this.user_data_128_low[index] === low && this.user_data_128_high[index] === high;
  }

  user_data_64(index: number): bigint {
    return this.user_data_64_column[index]!;
  }

  user_data_32(index: number): number {
    return this.user_data_32_column[index]!;
  }

  timestamp(index: number): bigint {
    return this.timestamp_column[index]!;
  }

  debit_account_index(index: number): number {
    return this.debit_account_column[index]!;
  }

  credit_account_index(index: number): number {
    return this.credit_account_column[index]!;
  }

  pending_index(index: number): number {
    return this.pending_column[index]!;
  }

  timeout(index: number): number {
    return this.timeout_column[index]!;
  }

  ledger(index: number): number {
    return this.ledger_column[index]!;
  }

  code(index: number): number {
    return this.code_column[index]!;
  }

  flags(index: number): number {
    return this.flags_column[index]!;
  }

  /** A fresh copy of one row in the port's shape; callers may mutate it freely. */
  read(index: number, accounts: readonly AccountRecord[]): Transfer {
    assert(index >= 0 && index < this.count, 'row index in range');
    const pending_index = this.pending_column[index]!;
    return {
      id: this.id(index),
      debit_account_id: accounts[this.debit_account_column[index]!]!.id,
      credit_account_id: accounts[this.credit_account_column[index]!]!.id,
      amount: this.amount(index),
      pending_id: pending_index < 0 ? 0n : this.id(pending_index),
      user_data_128: this.read_user_data_128(index),
      user_data_64: this.user_data_64_column[index]!,
      user_data_32: this.user_data_32_column[index]!,
      timeout: this.timeout_column[index]!,
      ledger: this.ledger_column[index]!,
      code: this.code_column[index]!,
      flags: this.flags_column[index]!,
      timestamp: this.timestamp_column[index]!,
    };
  }

  /** First row whose timestamp is at or after `timestamp` (rows are in time order). */
  lower_bound(timestamp: bigint): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.timestamp_column[middle]! < timestamp) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Whether some transfer carries exactly this timestamp (TigerBeetle's indirect lookup). */
  has_timestamp(timestamp: bigint): boolean {
    const index = this.lower_bound(timestamp);
    return index < this.count && this.timestamp_column[index] === timestamp;
  }

  last_timestamp(): bigint {
    return this.count === 0 ? 0n : this.timestamp_column[this.count - 1]!;
  }

  private grow(): void {
    // Doubling copies each row about once; pages of the fresh arrays stay unmapped until written.
    const capacity = Math.min(transfers_max, Math.max(capacity_initial, this.capacity * 2));
    assert(capacity > this.capacity, 'growth makes room');
    this.amount_low = grown(this.amount_low, new BigUint64Array(capacity));
    this.amount_high = grown(this.amount_high, new BigUint64Array(capacity));
    this.user_data_128_low = grown(this.user_data_128_low, new BigUint64Array(capacity));
    this.user_data_128_high = grown(this.user_data_128_high, new BigUint64Array(capacity));
    this.user_data_64_column = grown(this.user_data_64_column, new BigUint64Array(capacity));
    this.timestamp_column = grown(this.timestamp_column, new BigUint64Array(capacity));
    this.debit_account_column = grown(this.debit_account_column, new Uint32Array(capacity));
    this.credit_account_column = grown(this.credit_account_column, new Uint32Array(capacity));
    this.pending_column = grown(this.pending_column, new Int32Array(capacity));
    this.user_data_32_column = grown(this.user_data_32_column, new Uint32Array(capacity));
    this.timeout_column = grown(this.timeout_column, new Uint32Array(capacity));
    this.ledger_column = grown(this.ledger_column, new Uint32Array(capacity));
    this.code_column = grown(this.code_column, new Uint16Array(capacity));
    this.flags_column = grown(this.flags_column, new Uint16Array(capacity));
    this.capacity = capacity;
  }
}

/** Copies a column into its larger replacement byte for byte (no per-element conversion). */
function grown<Column extends BigUint64Array | Uint32Array | Int32Array | Uint16Array>(
  old: Column,
  fresh: Column,
): Column {
  new Uint8Array(fresh.buffer).set(new Uint8Array(old.buffer, old.byteOffset, old.byteLength));
  return fresh;
}

export { high_u64 };
