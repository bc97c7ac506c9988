// One create_transfers event, checked in TigerBeetle 0.17's order of precedence (the batch-level
// checks — linked chains, imported, timestamp — run before this, in create-batch.ts). Only the
// first failing check is reported, so the order of the `if`s below is the contract.

import {
  AccountFlags,
  CreateTransferStatus as Status,
  TransferFlags,
  u128_max,
  type CreateTransferResult,
  type Transfer,
} from '../ledger-port.js';
import type { AccountRecord } from './account-store.js';
import type { LedgerState } from './ledger-state.js';
import { nanoseconds_per_second, timestamp_max_valid } from './limits.js';
import { PendingStatus } from './transfer-store.js';
import { post_or_void_exists, post_or_void_pending_transfer } from './two-phase.js';

const transfer_flags_known = (1 << 9) - 1;
const two_phase_second_step = TransferFlags.post_pending_transfer | TransferFlags.void_pending_transfer;

/** Below this bound a sum of three amounts cannot overflow a u128, so the exact checks are skipped. */
const overflow_free_bound = 1n << 126n;

export function create_transfer(state: LedgerState, transfer: Transfer, timestamp_event: bigint): CreateTransferResult {
  const { status, index } = create_transfer_status(state, transfer, timestamp_event);
  if (status === Status.exists) return { status, timestamp: state.transfers.timestamp(index) };
  if (status === Status.created && (transfer.flags & TransferFlags.imported) !== 0) {
    return { status, timestamp: transfer.timestamp };
  }
  return { status, timestamp: timestamp_event };
}

/** Results that depend on the ledger's state at the time: the id is burned so a retry needs a new id. */
export function transfer_status_transient(status: Status): boolean {
  return (
    status === Status.debit_account_not_found ||
    status === Status.credit_account_not_found ||
    status === Status.pending_transfer_not_found ||
    status === Status.exceeds_credits ||
    status === Status.exceeds_debits ||
    status === Status.debit_account_already_closed ||
    status === Status.credit_account_already_closed
  );
}

function create_transfer_status(
  state: LedgerState,
  transfer: Transfer,
  timestamp_event: bigint,
): { status: Status; index: number } {
  if ((transfer.flags & ~transfer_flags_known) !== 0) return { status: Status.reserved_flag, index: -1 };
  if (transfer.id === 0n) return { status: Status.id_must_not_be_zero, index: -1 };
  if (transfer.id === u128_max) return { status: Status.id_must_not_be_int_max, index: -1 };

  const existing = state.transfers.find(transfer.id);
  if (existing >= 0) return { status: transfer_exists(state, transfer, existing), index: existing };
  if (state.transfers.is_burned(transfer.id)) return { status: Status.id_already_failed, index: -1 };

  if ((transfer.flags & two_phase_second_step) !== 0) {
    return { status: post_or_void_pending_transfer(state, transfer, timestamp_event), index: -1 };
  }
  return { status: create_single_transfer(state, transfer, timestamp_event), index: -1 };
}

function create_single_transfer(state: LedgerState, transfer: Transfer, timestamp_event: bigint): Status {
  const shape = validate_transfer_fields(transfer);
  if (shape !== Status.created) return shape;

  const debit_account = state.accounts.get(transfer.debit_account_id);
  if (debit_account === undefined) return Status.debit_account_not_found;
  const credit_account = state.accounts.get(transfer.credit_account_id);
  if (credit_account === undefined) return Status.credit_account_not_found;
  if (debit_account.ledger !== credit_account.ledger) return Status.accounts_must_have_the_same_ledger;
  if (transfer.ledger !== debit_account.ledger) return Status.transfer_must_have_the_same_ledger_as_accounts;

  const imported = validate_imported(state, transfer, debit_account, credit_account);
  if (imported !== Status.created) return imported;
  const timestamp = (transfer.flags & TransferFlags.imported) !== 0 ? transfer.timestamp : timestamp_event;

  if ((debit_account.flags & AccountFlags.closed) !== 0) return Status.debit_account_already_closed;
  if ((credit_account.flags & AccountFlags.closed) !== 0) return Status.credit_account_already_closed;

  const amount = amount_after_balancing(transfer, debit_account, credit_account);
  const limits = validate_balances(transfer, amount, timestamp, debit_account, credit_account);
  if (limits !== Status.created) return limits;

  apply_single_transfer(state, transfer, amount, timestamp, debit_account, credit_account);
  return Status.created;
}

/** The checks that need nothing but the event itself, in TigerBeetle's order. */
function validate_transfer_fields(transfer: Transfer): Status {
  if (transfer.debit_account_id === 0n) return Status.debit_account_id_must_not_be_zero;
  if (transfer.debit_account_id === u128_max) return Status.debit_account_id_must_not_be_int_max;
  if (transfer.credit_account_id === 0n) return Status.credit_account_id_must_not_be_zero;
  if (transfer.credit_account_id === u128_max) return Status.credit_account_id_must_not_be_int_max;
  if (transfer.credit_account_id === transfer.debit_account_id) return Status.accounts_must_be_different;
  if (transfer.pending_id !== 0n) return Status.pending_id_must_be_zero;
  if ((transfer.flags & TransferFlags.pending) === 0) {
    if (transfer.timeout !== 0) return Status.timeout_reserved_for_pending_transfer;
    if ((transfer.flags & (TransferFlags.closing_debit | TransferFlags.closing_credit)) !== 0) {
      return Status.closing_transfer_must_be_pending;
    }
  }
  if (transfer.ledger === 0) return Status.ledger_must_not_be_zero;
  if (transfer.code === 0) return Status.code_must_not_be_zero;
  return Status.created;
}

/** An imported transfer keeps its own past timestamp, which must still be unique and in order. */
function validate_imported(
  state: LedgerState,
  transfer: Transfer,
  debit_account: AccountRecord,
  credit_account: AccountRecord,
): Status {
  if ((transfer.flags & TransferFlags.imported) === 0) return Status.created;
  if (transfer.timestamp <= state.transfers.last_timestamp()) return Status.imported_event_timestamp_must_not_regress;
  if (state.accounts.has_timestamp(transfer.timestamp)) return Status.imported_event_timestamp_must_not_regress;
  if (transfer.timestamp <= debit_account.timestamp) return Status.imported_event_timestamp_must_postdate_debit_account;
  if (transfer.timestamp <= credit_account.timestamp)
    return Status.imported_event_timestamp_must_postdate_credit_account;
  if (transfer.timeout !== 0) return Status.imported_event_timeout_must_be_zero;
  return Status.created;
}

/** Balancing transfers move at most what keeps the account's debits within its credits (or back). */
function amount_after_balancing(
  transfer: Transfer,
  debit_account: AccountRecord,
  credit_account: AccountRecord,
): bigint {
  let amount = transfer.amount;
  if ((transfer.flags & TransferFlags.balancing_debit) !== 0) {
    const debits = debit_account.debits_posted + debit_account.debits_pending;
    const room = debit_account.credits_posted > debits ? debit_account.credits_posted - debits : 0n;
    if (room < amount) amount = room;
  }
  if ((transfer.flags & TransferFlags.balancing_credit) !== 0) {
    const credits = credit_account.credits_posted + credit_account.credits_pending;
    const room = credit_account.debits_posted > credits ? credit_account.debits_posted - credits : 0n;
    if (room < amount) amount = room;
  }
  return amount;
}

function validate_balances(
  transfer: Transfer,
  amount: bigint,
  timestamp: bigint,
  debit_account: AccountRecord,
  credit_account: AccountRecord,
): Status {
  const overflow = validate_overflows(transfer, amount, debit_account, credit_account);
  if (overflow !== Status.created) return overflow;
  if (transfer.timeout !== 0) {
    if (timestamp + BigInt(transfer.timeout) * nanoseconds_per_second > timestamp_max_valid) {
      return Status.overflows_timeout;
    }
  }
  if ((debit_account.flags & AccountFlags.debits_must_not_exceed_credits) !== 0) {
    if (debit_account.debits_pending + debit_account.debits_posted + amount > debit_account.credits_posted) {
      return Status.exceeds_credits;
    }
  }
  if ((credit_account.flags & AccountFlags.credits_must_not_exceed_debits) !== 0) {
    if (credit_account.credits_pending + credit_account.credits_posted + amount > credit_account.debits_posted) {
      return Status.exceeds_debits;
    }
  }
  return Status.created;
}

function validate_overflows(
  transfer: Transfer,
  amount: bigint,
  debit_account: AccountRecord,
  credit_account: AccountRecord,
): Status {
  // The common case decides with comparisons alone, without allocating sums.
  if (
    amount < overflow_free_bound &&
    debit_account.debits_pending < overflow_free_bound &&
    debit_account.debits_posted < overflow_free_bound &&
    credit_account.credits_pending < overflow_free_bound &&
    credit_account.credits_posted < overflow_free_bound
  ) {
    return Status.created;
  }
  if ((transfer.flags & TransferFlags.pending) !== 0) {
    if (amount + debit_account.debits_pending > u128_max) return Status.overflows_debits_pending;
    if (amount + credit_account.credits_pending > u128_max) return Status.overflows_credits_pending;
  }
  if (amount + debit_account.debits_posted > u128_max) return Status.overflows_debits_posted;
  if (amount + credit_account.credits_posted > u128_max) return Status.overflows_credits_posted;
  if (amount + debit_account.debits_pending + debit_account.debits_posted > u128_max) return Status.overflows_debits;
  if (amount + credit_account.credits_pending + credit_account.credits_posted > u128_max) {
    return Status.overflows_credits;
  }
  return Status.created;
}

function apply_single_transfer(
  state: LedgerState,
  transfer: Transfer,
  amount: bigint,
  timestamp: bigint,
  debit_account: AccountRecord,
  credit_account: AccountRecord,
): void {
  const index = state.transfers.append({
    id: transfer.id,
    debit_account_index: debit_account.index,
    credit_account_index: credit_account.index,
    amount,
    pending_index: -1,
    user_data_128: transfer.user_data_128,
    user_data_64: transfer.user_data_64,
    user_data_32: transfer.user_data_32,
    timeout: transfer.timeout,
    ledger: transfer.ledger,
    code: transfer.code,
    flags: transfer.flags,
    timestamp,
  });
  // History records the balance before the entry, so it is appended before the balances move.
  debit_account.history.append(index << 1, debit_account);
  credit_account.history.append(index << 1, credit_account);
  state.scope.record_account(debit_account);
  state.scope.record_account(credit_account);

  if ((transfer.flags & TransferFlags.pending) !== 0) {
    debit_account.debits_pending += amount;
    credit_account.credits_pending += amount;
    state.transfers.pending_status.set(index, PendingStatus.pending);
    if (transfer.timeout !== 0) schedule_expiry(state, index, timestamp, transfer.timeout);
  } else {
    debit_account.debits_posted += amount;
    credit_account.credits_posted += amount;
  }
  if ((transfer.flags & TransferFlags.closing_debit) !== 0) debit_account.flags |= AccountFlags.closed;
  if ((transfer.flags & TransferFlags.closing_credit) !== 0) credit_account.flags |= AccountFlags.closed;
}

function schedule_expiry(state: LedgerState, index: number, timestamp: bigint, timeout_seconds: number): void {
  const expires_at = timestamp + BigInt(timeout_seconds) * nanoseconds_per_second;
  state.transfers.expiring.push(index);
  if (state.expiry_next_timestamp === 0n || expires_at < state.expiry_next_timestamp) {
    state.expiry_next_timestamp = expires_at;
  }
}

/** Idempotency: the same id again answers `exists` only if every user-set field matches. */
function transfer_exists(state: LedgerState, transfer: Transfer, existing: number): Status {
  const { transfers, accounts } = state;
  // The flags change the meaning of the other fields, so they are compared first.
  if (transfer.flags !== transfers.flags(existing)) return Status.exists_with_different_flags;
  const pending_index = transfers.pending_index(existing);
  const pending_id = pending_index < 0 ? 0n : transfers.id(pending_index);
  if (transfer.pending_id !== pending_id) return Status.exists_with_different_pending_id;
  if (transfer.timeout !== transfers.timeout(existing)) return Status.exists_with_different_timeout;
  if ((transfer.flags & two_phase_second_step) !== 0) return post_or_void_exists(state, transfer, existing);

  if (transfer.debit_account_id !== accounts.records[transfers.debit_account_index(existing)]!.id) {
    return Status.exists_with_different_debit_account_id;
  }
  if (transfer.credit_account_id !== accounts.records[transfers.credit_account_index(existing)]!.id) {
    return Status.exists_with_different_credit_account_id;
  }
  const amount = transfers.amount(existing);
  // A balancing transfer's amount is an upper bound: resubmitting it is `exists` as long as the
  // bound still covers what was actually moved.
  const balancing = (transfer.flags & (TransferFlags.balancing_debit | TransferFlags.balancing_credit)) !== 0;
  if (balancing ? transfer.amount < amount : transfer.amount !== amount) return Status.exists_with_different_amount;
  return compare_user_fields(state, transfer, existing);
}

function compare_user_fields(state: LedgerState, transfer: Transfer, existing: number): Status {
  const { transfers } = state;
  if (transfers.read_user_data_128(existing) !== transfer.user_data_128)
    return Status.exists_with_different_user_data_128;
  if (transfers.user_data_64(existing) !== transfer.user_data_64) return Status.exists_with_different_user_data_64;
  if (transfers.user_data_32(existing) !== transfer.user_data_32) return Status.exists_with_different_user_data_32;
  if (transfers.ledger(existing) !== transfer.ledger) return Status.exists_with_different_ledger;
  if (transfers.code(existing) !== transfer.code) return Status.exists_with_different_code;
  return Status.exists;
}
