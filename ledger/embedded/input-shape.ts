// Field range checks that tigerbeetle-node performs while encoding a request: a value that does not
// fit its wire type is a programming error, so the whole request is rejected before any event runs.

import type { Account, AccountFilter, QueryFilter, Transfer } from '../ledger-port.js';
import { u128_max, u64_max } from './limits.js';

function fail(field: string, value: unknown, type: string): never {
  throw new TypeError(`${field} must be a ${type}, got ${String(value)}`);
}

export function check_u128(value: bigint, field: string): void {
  if (typeof value !== 'bigint' || value < 0n || value > u128_max) fail(field, value, 'u128 bigint');
}

export function check_u64(value: bigint, field: string): void {
  if (typeof value !== 'bigint' || value < 0n || value > u64_max) fail(field, value, 'u64 bigint');
}

export function check_u32(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) fail(field, value, 'u32 number');
}

export function check_u16(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) fail(field, value, 'u16 number');
}

export function check_account_shape(account: Account): void {
  check_u128(account.id, 'account.id');
  check_u128(account.debits_pending, 'account.debits_pending');
  check_u128(account.debits_posted, 'account.debits_posted');
  check_u128(account.credits_pending, 'account.credits_pending');
  check_u128(account.credits_posted, 'account.credits_posted');
  check_u128(account.user_data_128, 'account.user_data_128');
  check_u64(account.user_data_64, 'account.user_data_64');
  check_u32(account.user_data_32, 'account.user_data_32');
  check_u32(account.reserved, 'account.reserved');
  check_u32(account.ledger, 'account.ledger');
  check_u16(account.code, 'account.code');
  check_u16(account.flags, 'account.flags');
  check_u64(account.timestamp, 'account.timestamp');
}

export function check_transfer_shape(transfer: Transfer): void {
  check_u128(transfer.id, 'transfer.id');
  check_u128(transfer.debit_account_id, 'transfer.debit_account_id');
  check_u128(transfer.credit_account_id, 'transfer.credit_account_id');
  check_u128(transfer.amount, 'transfer.amount');
  check_u128(transfer.pending_id, 'transfer.pending_id');
  check_u128(transfer.user_data_128, 'transfer.user_data_128');
  check_u64(transfer.user_data_64, 'transfer.user_data_64');
  check_u32(transfer.user_data_32, 'transfer.user_data_32');
  check_u32(transfer.timeout, 'transfer.timeout');
  check_u32(transfer.ledger, 'transfer.ledger');
  check_u16(transfer.code, 'transfer.code');
  check_u16(transfer.flags, 'transfer.flags');
  check_u64(transfer.timestamp, 'transfer.timestamp');
}

export function check_account_filter_shape(filter: AccountFilter): void {
  check_u128(filter.account_id, 'filter.account_id');
  check_u128(filter.user_data_128, 'filter.user_data_128');
  check_u64(filter.user_data_64, 'filter.user_data_64');
  check_u32(filter.user_data_32, 'filter.user_data_32');
  check_u16(filter.code, 'filter.code');
  check_u64(filter.timestamp_min, 'filter.timestamp_min');
  check_u64(filter.timestamp_max, 'filter.timestamp_max');
  check_u32(filter.limit, 'filter.limit');
  check_u32(filter.flags, 'filter.flags');
}

export function check_query_filter_shape(filter: QueryFilter): void {
  check_u128(filter.user_data_128, 'filter.user_data_128');
  check_u64(filter.user_data_64, 'filter.user_data_64');
  check_u32(filter.user_data_32, 'filter.user_data_32');
  check_u32(filter.ledger, 'filter.ledger');
  check_u16(filter.code, 'filter.code');
  check_u64(filter.timestamp_min, 'filter.timestamp_min');
  check_u64(filter.timestamp_max, 'filter.timestamp_max');
  check_u32(filter.limit, 'filter.limit');
  check_u32(filter.flags, 'filter.flags');
}
