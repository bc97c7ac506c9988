// Limits and shared constants of the embedded ledger. Every store is bounded so that running out of
// room is a clear error at a known size, never a slow collapse.

import { batch_events_max, u128_max, u64_max } from '../ledger-port.js';

/**
 * V8's `Map` stops growing at 2^24 entries; the transfer id index (which also holds ids burned by
 * transient failures) lives in one, so the store refuses to grow past it.
 */
export const transfers_max = (1 << 24) - 1;
export const accounts_max = (1 << 24) - 1;

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
 * Thrown where tigerbeetle-node's client rejects a request before it reaches the cluster; `code`
 * carries the same name as the client's RequestError codes.
 */
export class LedgerRequestError extends Error {
  constructor(
    readonly code: 'ERR_TOO_MUCH_DATA' | 'ERR_CLIENT_CLOSED',
    message: string,
  ) {
    super(message);
    this.name = 'LedgerRequestError';
  }
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`embedded ledger invariant violated: ${message}`);
}

/** Throws when a request carries more events or asks for more results than one message holds. */
export function assert_request_size(count: number, what: string): void {
  if (count > request_results_max) {
    throw new LedgerRequestError(
      'ERR_TOO_MUCH_DATA',
      `Too much data was sent or requested in this batch: ${what} ${count} > ${request_results_max}`,
    );
  }
}
