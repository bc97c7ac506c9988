// Two-phase transfers: posting or voiding a pending transfer, and expiring pending transfers whose
// timeout has passed. Keel posts single-phase transfers only; this exists so that the embedded
// ledger never accepts a two-phase request that TigerBeetle would reject, or answers differently.

import {
  AccountFlags,
  CreateTransferStatus as Status,
  TransferFlags,
  u128_max,
  type Transfer,
} from '../ledger-port.js';
import type { AccountRecord } from './account-store.js';
import { history_entry_expiry_bit } from './account-store.js';
import type { LedgerState } from './ledger-state.js';
import { assert, nanoseconds_per_second } from './limits.js';
import { PendingStatus } from './transfer-store.js';

const flags_exclusive_with_second_step =
  TransferFlags.pending |
  TransferFlags.balancing_debit |
  TransferFlags.balancing_credit |
  TransferFlags.closing_debit |
  TransferFlags.closing_credit;

export function post_or_void_pending_transfer(state: LedgerState, transfer: Transfer, timestamp_event: bigint): Status {
  const fields = validate_second_step_fields(transfer);
  if (fields !== Status.created) return fields;

  const pending = state.transfers.find(transfer.pending_id);
  if (pending < 0) return Status.pending_transfer_not_found;
  if ((state.transfers.flags(pending) & TransferFlags.pending) === 0) return Status.pending_transfer_not_pending;

  const debit_account = state.accounts.records[state.transfers.debit_account_index(pending)]!;
  const credit_account = state.accounts.records[state.transfers.credit_account_index(pending)]!;
  const matches = validate_matches_pending(state, transfer, pending, debit_account, credit_account);
  if (matches !== Status.created) return matches;

  const pending_amount = state.transfers.amount(pending);
  const amount = second_step_amount(transfer, pending_amount);
  if (amount > pending_amount) return Status.exceeds_pending_transfer_amount;
  const voiding = (transfer.flags & TransferFlags.void_pending_transfer) !== 0;
  if (voiding && amount < pending_amount) return Status.pending_transfer_has_different_amount;

  const still_pending = validate_still_pending(state, pending, timestamp_event);
  if (still_pending !== Status.created) return still_pending;

  const imported = (transfer.flags & TransferFlags.imported) !== 0;
  if (imported) {
    if (transfer.timestamp <= state.transfers.last_timestamp()) return Status.imported_event_timestamp_must_not_regress;
    if (state.accounts.has_timestamp(transfer.timestamp)) return Status.imported_event_timestamp_must_not_regress;
  }
  // The only movement allowed in a closed account is voiding a pending transfer.
  if (!voiding && (debit_account.flags & AccountFlags.closed) !== 0) return Status.debit_account_already_closed;
  if (!voiding && (credit_account.flags & AccountFlags.closed) !== 0) return Status.credit_account_already_closed;

  const timestamp = imported ? transfer.timestamp : timestamp_event;
  apply_second_step(state, transfer, { pending, pending_amount, amount, timestamp, debit_account, credit_account });
  return Status.created;
}

function validate_second_step_fields(transfer: Transfer): Status {
  const both = TransferFlags.post_pending_transfer | TransferFlags.void_pending_transfer;
  if ((transfer.flags & both) === both) return Status.flags_are_mutually_exclusive;
  if ((transfer.flags & flags_exclusive_with_second_step) !== 0) return Status.flags_are_mutually_exclusive;
  if (transfer.pending_id === 0n) return Status.pending_id_must_not_be_zero;
  if (transfer.pending_id === u128_max) return Status.pending_id_must_not_be_int_max;
  if (transfer.pending_id === transfer.id) return Status.pending_id_must_be_different;
  if (transfer.timeout !== 0) return Status.timeout_reserved_for_pending_transfer;
  return Status.created;
}

/** Zero means "same as the pending transfer" for accounts, ledger and code. */
function validate_matches_pending(
  state: LedgerState,
  transfer: Transfer,
  pending: number,
  debit_account: AccountRecord,
  credit_account: AccountRecord,
): Status {
  if (transfer.debit_account_id !== 0n && transfer.debit_account_id !== debit_account.id) {
    return Status.pending_transfer_has_different_debit_account_id;
  }
  if (transfer.credit_account_id !== 0n && transfer.credit_account_id !== credit_account.id) {
    return Status.pending_transfer_has_different_credit_account_id;
  }
  if (transfer.ledger !== 0 && transfer.ledger !== state.transfers.ledger(pending)) {
    return Status.pending_transfer_has_different_ledger;
  }
  if (transfer.code !== 0 && transfer.code !== state.transfers.code(pending)) {
    return Status.pending_transfer_has_different_code;
  }
  return Status.created;
}

/** A void of zero, or a post of u128 max, stands for the pending transfer's full amount. */
function second_step_amount(transfer: Transfer, pending_amount: bigint): bigint {
  if ((transfer.flags & TransferFlags.void_pending_transfer) !== 0) {
    return transfer.amount === 0n ? pending_amount : transfer.amount;
  }
  return transfer.amount === u128_max ? pending_amount : transfer.amount;
}

function validate_still_pending(state: LedgerState, pending: number, timestamp_event: bigint): Status {
  const status = state.transfers.pending_status.get(pending);
  assert(status !== undefined, 'every pending transfer has a status');
  if (status === PendingStatus.posted) return Status.pending_transfer_already_posted;
  if (status === PendingStatus.voided) return Status.pending_transfer_already_voided;
  if (status === PendingStatus.expired) return Status.pending_transfer_expired;
  // The expiry sweep may not have run yet; the deadline alone decides.
  const timeout = state.transfers.timeout(pending);
  if (timeout !== 0) {
    const expires_at = state.transfers.timestamp(pending) + BigInt(timeout) * nanoseconds_per_second;
    if (expires_at <= timestamp_event) return Status.pending_transfer_expired;
  }
  return Status.created;
}

type SecondStep = {
  pending: number;
  pending_amount: bigint;
  amount: bigint;
  timestamp: bigint;
  debit_account: AccountRecord;
  credit_account: AccountRecord;
};

function apply_second_step(state: LedgerState, transfer: Transfer, step: SecondStep): void {
  const { transfers } = state;
  const { pending, debit_account, credit_account } = step;
  const index = transfers.append({
    id: transfer.id,
    debit_account_index: debit_account.index,
    credit_account_index: credit_account.index,
    amount: step.amount,
    pending_index: pending,
    // User data may differ from the pending transfer's; zero inherits it.
    user_data_128: transfer.user_data_128 !== 0n ? transfer.user_data_128 : transfers.read_user_data_128(pending),
    user_data_64: transfer.user_data_64 !== 0n ? transfer.user_data_64 : transfers.user_data_64(pending),
    user_data_32: transfer.user_data_32 !== 0 ? transfer.user_data_32 : transfers.user_data_32(pending),
    timeout: 0,
    ledger: transfers.ledger(pending),
    code: transfers.code(pending),
    flags: transfer.flags,
    timestamp: step.timestamp,
  });
  debit_account.history.append(index << 1, debit_account);
  credit_account.history.append(index << 1, credit_account);
  state.scope.record_account(debit_account);
  state.scope.record_account(credit_account);
  state.scope.record_pending_status(pending, PendingStatus.pending);

  const posting = (transfer.flags & TransferFlags.post_pending_transfer) !== 0;
  transfers.pending_status.set(pending, posting ? PendingStatus.posted : PendingStatus.voided);
  debit_account.debits_pending -= step.pending_amount;
  credit_account.credits_pending -= step.pending_amount;
  if (posting) {
    debit_account.debits_posted += step.amount;
    credit_account.credits_posted += step.amount;
  } else {
    reopen_closed_accounts(transfers.flags(pending), debit_account, credit_account);
  }
}

/** Voiding or expiring a closing transfer reopens the account it closed. */
function reopen_closed_accounts(
  pending_flags: number,
  debit_account: AccountRecord,
  credit_account: AccountRecord,
): void {
  if ((pending_flags & TransferFlags.closing_debit) !== 0) debit_account.flags &= ~AccountFlags.closed;
  if ((pending_flags & TransferFlags.closing_credit) !== 0) credit_account.flags &= ~AccountFlags.closed;
}

/** Idempotency of a post or void: zero fields compare against what was inherited. */
export function post_or_void_exists(state: LedgerState, transfer: Transfer, existing: number): Status {
  const { transfers, accounts } = state;
  const pending = transfers.pending_index(existing);
  assert(pending >= 0, 'a post or void refers to its pending transfer');
  const debit_account_id = accounts.records[transfers.debit_account_index(existing)]!.id;
  const credit_account_id = accounts.records[transfers.credit_account_index(existing)]!.id;
  if (transfer.debit_account_id !== 0n && transfer.debit_account_id !== debit_account_id) {
    return Status.exists_with_different_debit_account_id;
  }
  if (transfer.credit_account_id !== 0n && transfer.credit_account_id !== credit_account_id) {
    return Status.exists_with_different_credit_account_id;
  }
  const amount = transfers.amount(existing);
  const pending_amount = transfers.amount(pending);
  const full = (transfer.flags & TransferFlags.void_pending_transfer) !== 0 ? 0n : u128_max;
  if (transfer.amount === full ? amount !== pending_amount : transfer.amount !== amount) {
    return Status.exists_with_different_amount;
  }
  const inherited_128 = transfer.user_data_128 === 0n ? transfers.read_user_data_128(pending) : transfer.user_data_128;
  if (inherited_128 !== transfers.read_user_data_128(existing)) return Status.exists_with_different_user_data_128;
  const inherited_64 = transfer.user_data_64 === 0n ? transfers.user_data_64(pending) : transfer.user_data_64;
  if (inherited_64 !== transfers.user_data_64(existing)) return Status.exists_with_different_user_data_64;
  const inherited_32 = transfer.user_data_32 === 0 ? transfers.user_data_32(pending) : transfer.user_data_32;
  if (inherited_32 !== transfers.user_data_32(existing)) return Status.exists_with_different_user_data_32;
  if (transfer.ledger !== 0 && transfer.ledger !== transfers.ledger(existing))
    return Status.exists_with_different_ledger;
  if (transfer.code !== 0 && transfer.code !== transfers.code(existing)) return Status.exists_with_different_code;
  return Status.exists;
}

/**
 * Releases pending transfers whose timeout has passed by `now_ns` (TigerBeetle does this in a
 * periodic pulse; the embedded ledger does it before each request). Each expiry takes a timestamp.
 */
export function expire_pending_transfers(state: LedgerState, now_ns: bigint): void {
  if (state.expiry_next_timestamp === 0n || state.expiry_next_timestamp > now_ns) return;
  const { transfers } = state;
  const due: { index: number; expires_at: bigint }[] = [];
  const kept: number[] = [];
  let next = 0n;
  for (const index of transfers.expiring) {
    if (transfers.pending_status.get(index) !== PendingStatus.pending) continue;
    const expires_at = transfers.timestamp(index) + BigInt(transfers.timeout(index)) * nanoseconds_per_second;
    if (expires_at <= now_ns) {
      due.push({ index, expires_at });
    } else {
      kept.push(index);
      if (next === 0n || expires_at < next) next = expires_at;
    }
  }
  due.sort((left, right) =>
    left.expires_at < right.expires_at ? -1 : left.expires_at > right.expires_at ? 1 : left.index - right.index,
  );
  for (const { index } of due) expire_one(state, index);
  transfers.expiring = kept;
  state.expiry_next_timestamp = next;
}

function expire_one(state: LedgerState, index: number): void {
  assert(!state.scope.active, 'expiry never runs inside a linked chain');
  const { transfers, accounts } = state;
  const debit_account = accounts.records[transfers.debit_account_index(index)]!;
  const credit_account = accounts.records[transfers.credit_account_index(index)]!;
  const amount = transfers.amount(index);
  assert(debit_account.debits_pending >= amount && credit_account.credits_pending >= amount, 'pending covers expiry');
  state.prepare_timestamp += 1n;
  const entry = (index << 1) | history_entry_expiry_bit;
  debit_account.history.append(entry, debit_account);
  credit_account.history.append(entry, credit_account);
  debit_account.debits_pending -= amount;
  credit_account.credits_pending -= amount;
  reopen_closed_accounts(transfers.flags(index), debit_account, credit_account);
  transfers.pending_status.set(index, PendingStatus.expired);
}
