// The embedded ledger: TigerBeetle 0.17's state machine semantics for every port operation, in
// process and in memory, so that Keel runs with no servers. The conformance suite
// (ledger/conformance) runs the same cases against this and against a real TigerBeetle.
//
// Everything runs synchronously inside each call, so a request is atomic with respect to others,
// as a TigerBeetle request is. Every object returned is a fresh copy.

import type {
  Account,
  AccountBalance,
  AccountFilter,
  CreateAccountResult,
  CreateTransferResult,
  Ledger,
  QueryFilter,
  Transfer,
} from './ledger-port.js';
import { create_account } from './embedded/create-account.js';
import {
  account_flag_bits,
  account_statuses,
  execute_create,
  transfer_flag_bits,
  transfer_statuses,
  type CreateKind,
} from './embedded/create-batch.js';
import { create_transfer, transfer_status_transient } from './embedded/create-transfer.js';
import {
  check_account_filter_shape,
  check_account_shape,
  check_query_filter_shape,
  check_transfer_shape,
} from './embedded/input-shape.js';
import { LedgerState } from './embedded/ledger-state.js';
import { assert_request_size, LedgerClosedError, nanoseconds_per_millisecond } from './embedded/limits.js';
import { get_account_balances, get_account_transfers, query_accounts, query_transfers } from './embedded/queries.js';
import { expire_pending_transfers } from './embedded/two-phase.js';

export { LedgerClosedError } from './embedded/limits.js';

/** Wall-clock time in nanoseconds, the unit of TigerBeetle's timestamps. */
export type ClockNanoseconds = () => bigint;

// Wall-clock time at nanosecond resolution, like TigerBeetle's realtime: the monotonic clock,
// anchored once to the wall clock (which alone only resolves milliseconds).
const monotonic_origin_ns = BigInt(Date.now()) * nanoseconds_per_millisecond - process.hrtime.bigint();
const wall_clock_ns: ClockNanoseconds = () => monotonic_origin_ns + process.hrtime.bigint();

const account_kind: CreateKind<Account, CreateAccountResult['status']> = {
  statuses: account_statuses,
  ...account_flag_bits,
  create: create_account,
  // The results of create_accounts never depend on transient state, so no account id is burned.
  transient: () => false,
};

const transfer_kind: CreateKind<Transfer, CreateTransferResult['status']> = {
  statuses: transfer_statuses,
  ...transfer_flag_bits,
  create: create_transfer,
  transient: transfer_status_transient,
};

export class EmbeddedLedger implements Ledger {
  readonly name = 'embedded';
  private readonly state = new LedgerState();
  private closed = false;

  /** `clock_ns` exists for tests that need to move time (pending transfer timeouts). */
  constructor(private readonly clock_ns: ClockNanoseconds = wall_clock_ns) {}

  async createAccounts(accounts: readonly Account[]): Promise<CreateAccountResult[]> {
    this.begin_request(accounts.length, 'create_accounts events');
    for (const account of accounts) check_account_shape(account);
    if (accounts.length === 0) return [];
    return execute_create(this.state, account_kind, accounts, this.reserve_timestamps(accounts.length));
  }

  async createTransfers(transfers: readonly Transfer[]): Promise<CreateTransferResult[]> {
    this.begin_request(transfers.length, 'create_transfers events');
    for (const transfer of transfers) check_transfer_shape(transfer);
    if (transfers.length === 0) return [];
    return execute_create(this.state, transfer_kind, transfers, this.reserve_timestamps(transfers.length));
  }

  async lookupAccounts(ids: readonly bigint[]): Promise<Account[]> {
    this.begin_request(ids.length, 'lookup_accounts ids');
    const found: Account[] = [];
    for (const id of ids) {
      const record = this.state.accounts.get(id);
      if (record !== undefined) found.push(record.read());
    }
    return found;
  }

  async lookupTransfers(ids: readonly bigint[]): Promise<Transfer[]> {
    this.begin_request(ids.length, 'lookup_transfers ids');
    const { transfers, accounts } = this.state;
    const found: Transfer[] = [];
    for (const id of ids) {
      const index = transfers.find(id);
      if (index >= 0) found.push(transfers.read(index, accounts.records));
    }
    return found;
  }

  async getAccountTransfers(filter: AccountFilter): Promise<Transfer[]> {
    this.begin_request(filter.limit, 'get_account_transfers limit');
    check_account_filter_shape(filter);
    return get_account_transfers(this.state, filter);
  }

  async getAccountBalances(filter: AccountFilter): Promise<AccountBalance[]> {
    this.begin_request(filter.limit, 'get_account_balances limit');
    check_account_filter_shape(filter);
    return get_account_balances(this.state, filter);
  }

  async queryAccounts(filter: QueryFilter): Promise<Account[]> {
    this.begin_request(filter.limit, 'query_accounts limit');
    check_query_filter_shape(filter);
    return query_accounts(this.state, filter);
  }

  async queryTransfers(filter: QueryFilter): Promise<Transfer[]> {
    this.begin_request(filter.limit, 'query_transfers limit');
    check_query_filter_shape(filter);
    return query_transfers(this.state, filter);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** What the client checks before sending, then the expiry TigerBeetle runs between requests. */
  private begin_request(count: number, what: string): void {
    if (this.closed) throw new LedgerClosedError();
    assert_request_size(count, what);
    expire_pending_transfers(this.state, this.clock_ns());
  }

  /**
   * Reserves one timestamp per event, after both the wall clock and every timestamp already
   * issued (as TigerBeetle's primary does), and returns the one just before the first.
   */
  private reserve_timestamps(count: number): bigint {
    const now = this.clock_ns();
    const next = this.state.prepare_timestamp + 1n;
    const base = now > next ? now : next;
    this.state.prepare_timestamp = base + BigInt(count);
    return base;
  }
}
