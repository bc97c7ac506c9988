// The posting step every way in shares (a Kafka batch for the engine, the in-process log for the
// embedded pipeline, a file for `keel post`): inputs in, one outcome per input out, in order, with
// the dead letters of the failed ones and the counts. Valid events become chains and are posted
// together; anything that cannot be posted comes back as a failure with a code and a reason,
// never thrown, so one bad event cannot stop the others. Two things do throw: a ledger that
// cannot be reached (nothing is known; the caller retries the whole batch, which ids make safe)
// and a broken invariant (a bug in Keel: the caller stops, never retries or dead-letters it).
import type { AssetRegistry } from '../ledger/asset-registry.js';
import type { AccountSpec } from '../ledger/chart-of-accounts.js';
import { describeError, isInvariantBroken, isKeelError } from '../platform/errors.js';
import { deadLetter, type DeadLetter, type DeadLetterSource } from './dead-letter.js';
import { engine_error_codes } from './engine-errors.js';
import { decodeEvent, type DecodedEvent } from './event-decode.js';
import type { LedgerPoster } from './ledger-poster.js';
import { chainAccounts, postingChain, type PostingChain } from './posting-rules.js';

export type AcceptedOutcome = {
  status: 'posted' | 'duplicate';
  event_id: string;
  accounts: AccountSpec[];
  transfers: number;
};
export type FailedOutcome = {
  status: 'invalid' | 'conflict' | 'rejected';
  event_id: string | undefined;
  code: string;
  reason: string;
};
export type EventOutcome = AcceptedOutcome | { status: 'no_transfers'; event_id: string } | FailedOutcome;

export type PostingCounts = {
  read: number;
  posted: number;
  /** Transfers created by the events posted (not by duplicates). */
  transfers: number;
  duplicates: number;
  no_transfers: number;
  /** Failed events by kind; each is dead-lettered (or, for a file, listed as a rejection). */
  failed: Record<FailedOutcome['status'], number>;
};

/** One input as it was read: the message value (or line) and its key, and where it was read. */
export type PostingInput = { value: Uint8Array | string | null; key: Buffer | string | null; source: DeadLetterSource };
export type PostedBatch = {
  outcomes: EventOutcome[];
  dead_letters: { key: Buffer | string | null; letter: DeadLetter }[];
  counts: PostingCounts;
};

export function isFailed(outcome: EventOutcome): outcome is FailedOutcome {
  return outcome.status === 'invalid' || outcome.status === 'conflict' || outcome.status === 'rejected';
}

/** The whole step for inputs as read: decode (one UTF-8 rule), validate, post, dead letters, counts. */
export async function postInputs(
  inputs: readonly PostingInput[],
  poster: LedgerPoster,
  registry: AssetRegistry,
): Promise<PostedBatch> {
  const outcomes = await postBatch(
    inputs.map((input) => decodeEvent(input.value)),
    poster,
    registry,
  );
  const dead_lettered_at = new Date();
  const dead_letters = outcomes.flatMap((outcome, index) => {
    if (!isFailed(outcome)) return [];
    const { value, key, source } = inputs[index]!;
    const failure = { kind: outcome.status, code: outcome.code, reason: outcome.reason, event_id: outcome.event_id };
    return [{ key, letter: deadLetter(failure, source, value, dead_lettered_at) }];
  });
  return { outcomes, dead_letters, counts: countOutcomes(outcomes) };
}

/** Decoded events in, one outcome per event out, in order. */
export async function postBatch(
  events: readonly DecodedEvent[],
  poster: LedgerPoster,
  registry: AssetRegistry,
): Promise<EventOutcome[]> {
  const outcomes: EventOutcome[] = new Array(events.length);
  const postable: { index: number; chain: PostingChain }[] = [];
  events.forEach((decoded, index) => {
    if (!decoded.ok) {
      outcomes[index] = { status: 'invalid', event_id: decoded.id, code: decoded.code, reason: decoded.reason };
      return;
    }
    try {
      postable.push({ index, chain: postingChain(decoded.event, registry) });
    } catch (error) {
      if (isInvariantBroken(error)) throw error;
      const code = isKeelError(error) ? error.code : engine_error_codes.event_invalid;
      outcomes[index] = { status: 'invalid', event_id: decoded.event.id, code, reason: describeError(error) };
    }
  });
  const chain_outcomes = await poster.post(postable.map((entry) => entry.chain));
  chain_outcomes.forEach((outcome, position) => {
    const { index, chain } = postable[position]!;
    if (outcome.status === 'posted' || outcome.status === 'duplicate') {
      outcomes[index] = {
        status: outcome.status,
        event_id: chain.event_id,
        accounts: chainAccounts(chain),
        transfers: chain.legs.length,
      };
    } else if (outcome.status === 'no_transfers') {
      outcomes[index] = { status: 'no_transfers', event_id: chain.event_id };
    } else {
      outcomes[index] = {
        status: outcome.status,
        event_id: chain.event_id,
        code: outcome.code,
        reason: outcome.reason,
      };
    }
  });
  return outcomes;
}

export function noCounts(): PostingCounts {
  return {
    read: 0,
    posted: 0,
    transfers: 0,
    duplicates: 0,
    no_transfers: 0,
    failed: { invalid: 0, conflict: 0, rejected: 0 },
  };
}

export function countOutcomes(outcomes: readonly EventOutcome[], counts: PostingCounts = noCounts()): PostingCounts {
  for (const outcome of outcomes) {
    counts.read += 1;
    if (isFailed(outcome)) counts.failed[outcome.status] += 1;
    else if (outcome.status === 'no_transfers') counts.no_transfers += 1;
    else if (outcome.status === 'duplicate') counts.duplicates += 1;
    else {
      counts.posted += 1;
      counts.transfers += outcome.transfers;
    }
  }
  return counts;
}

export function failedCount(counts: PostingCounts): number {
  return counts.failed.invalid + counts.failed.conflict + counts.failed.rejected;
}
