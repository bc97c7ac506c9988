// One create_accounts event, checked in TigerBeetle 0.17's order of precedence (the batch-level
// checks — linked chains, imported, timestamp — run before this, in embedded-ledger.ts).

import {
  AccountFlags,
  CreateAccountStatus as Status,
  u128_max,
  type Account,
  type CreateAccountResult,
} from '../ledger-port.js';
import type { AccountRecord } from './account-store.js';
import type { LedgerState } from './ledger-state.js';

const account_flags_known =
  AccountFlags.linked |
  AccountFlags.debits_must_not_exceed_credits |
  AccountFlags.credits_must_not_exceed_debits |
  AccountFlags.history |
  AccountFlags.imported |
  AccountFlags.closed;

export function create_account(state: LedgerState, account: Account, timestamp_event: bigint): CreateAccountResult {
  if (account.reserved !== 0) return { status: Status.reserved_field, timestamp: timestamp_event };
  if ((account.flags & ~account_flags_known) !== 0) return { status: Status.reserved_flag, timestamp: timestamp_event };
  if (account.id === 0n) return { status: Status.id_must_not_be_zero, timestamp: timestamp_event };
  if (account.id === u128_max) return { status: Status.id_must_not_be_int_max, timestamp: timestamp_event };

  const existing = state.accounts.get(account.id);
  if (existing !== undefined) return account_exists(account, existing, timestamp_event);

  const status = validate_new_account(state, account);
  if (status !== Status.created) return { status, timestamp: timestamp_event };

  // An imported account keeps the caller's timestamp; all others take the event's.
  const imported = (account.flags & AccountFlags.imported) !== 0;
  const timestamp = imported ? account.timestamp : timestamp_event;
  state.accounts.insert(account, account.flags, timestamp);
  return { status: Status.created, timestamp };
}

function validate_new_account(state: LedgerState, account: Account): Status {
  const both_limits = AccountFlags.debits_must_not_exceed_credits | AccountFlags.credits_must_not_exceed_debits;
  if ((account.flags & both_limits) === both_limits) return Status.flags_are_mutually_exclusive;
  if (account.debits_pending !== 0n) return Status.debits_pending_must_be_zero;
  if (account.debits_posted !== 0n) return Status.debits_posted_must_be_zero;
  if (account.credits_pending !== 0n) return Status.credits_pending_must_be_zero;
  if (account.credits_posted !== 0n) return Status.credits_posted_must_be_zero;
  if (account.ledger === 0) return Status.ledger_must_not_be_zero;
  if (account.code === 0) return Status.code_must_not_be_zero;
  if ((account.flags & AccountFlags.imported) !== 0) {
    // Checked after idempotency so that a re-import still answers `exists`.
    if (account.timestamp <= state.accounts.last_timestamp()) return Status.imported_event_timestamp_must_not_regress;
    if (state.transfers.has_timestamp(account.timestamp)) return Status.imported_event_timestamp_must_not_regress;
  }
  return Status.created;
}

/** Idempotency: the same id again answers `exists` only if every user-set field matches. */
function account_exists(account: Account, existing: AccountRecord, timestamp_event: bigint): CreateAccountResult {
  let status = Status.exists;
  // The flags compared include `linked` and `closed` exactly as stored.
  if (account.flags !== existing.flags) status = Status.exists_with_different_flags;
  else if (account.user_data_128 !== existing.user_data_128) status = Status.exists_with_different_user_data_128;
  else if (account.user_data_64 !== existing.user_data_64) status = Status.exists_with_different_user_data_64;
  else if (account.user_data_32 !== existing.user_data_32) status = Status.exists_with_different_user_data_32;
  else if (account.ledger !== existing.ledger) status = Status.exists_with_different_ledger;
  else if (account.code !== existing.code) status = Status.exists_with_different_code;
  // `exists` carries the existing account's timestamp; a mismatch carries the event's.
  return { status, timestamp: status === Status.exists ? existing.timestamp : timestamp_event };
}
