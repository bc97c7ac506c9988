// Limits and shared constants of the embedded ledger. Every store is bounded so that running out of
// room is a clear error at a known size, never a slow collapse.

import { assertInvariant } from '../../platform/errors.js';
import { ledger_error_codes, ledgerError } from '../ledger-errors.js';
import { batch_events_max, u128_max, u64_max } from '../ledger-port.js';

/**
 * Row counts. History entries hold a row index shifted left by one in a u32, and a store of
 * 2^27 transfers already needs ~14 GiB, so that is the ceiling.
 */
export const transfers_max = 1 << 27;
export const accounts_max = 1 << 24;
/** Burned ids live in a Set, which V8 stops growing at 2^24 entries. */
export const burned_ids_max = (1 << 24) - 1;

/** TigerBeetle's valid timestamp range: the top bit of a u64 timestamp is its tombstone flag. */
export const timestamp_min_valid = 1n;
export const timestamp_max_valid = (1n << 63n) - 1n;

/** One balance snapshot per this many history entries bounds the replay cost of a balance read. */
export const history_checkpoint_interval = 64;

export const nanoseconds_per_millisecond = 1_000_000n;
export const nanoseconds_per_second = 1_000_000_000n;

/** The client rejects a request whose events or expected results exceed one message. */
export const request_results_max = batch_events_max;

export { u128_max, u64_max };

/**
 * Thrown once the ledger is closed; `code` is the name tigerbeetle-node's RequestError uses for the
 * same case, which the TigerBeetle adapter passes through.
 */
export class LedgerClosedError extends Error {
  readonly code = 'ERR_CLIENT_CLOSED';

  constructor() {
    super('Client was closed.');
    this.name = 'LedgerClosedError';
  }
}

export function assert(condition: boolean, message: string): asserts condition {
  assertInvariant(condition, ledger_error_codes.invariant_broken, `embedded ledger invariant violated: ${message}`);
}

/**
 * Throws when a request carries more events, or asks for more results, than one TigerBeetle
 * message holds: tigerbeetle-node refuses those (ERR_TOO_MUCH_DATA) before they reach the cluster.
 * The coded error is the one the TigerBeetle adapter raises for the same case.
 */
export function assert_request_size(count: number, what: string): void {
  if (count > request_results_max) {
    throw ledgerError(
      ledger_error_codes.batch_too_large,
      `${what}: ${count}, more than TigerBeetle's ${request_results_max} per request`,
    );
  }
}
