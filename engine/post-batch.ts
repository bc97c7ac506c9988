// The step every way in shares (a file for `keel post`, a Kafka batch for the engine): decoded
// events in, one outcome per event out, in order. Valid events become chains and are posted
// together; anything that cannot be posted comes back as a failure with a code and a reason,
// never thrown, so one bad event cannot stop the others. Only a ledger that cannot be reached
// throws: then nothing is known, and the caller retries the whole batch (ids make that safe).
import type { AssetRegistry } from '../ledger/asset-registry.js';
import type { AccountSpec } from '../ledger/chart-of-accounts.js';
import { describeError, isKeelError } from '../platform/errors.js';
import { engine_error_codes } from './engine-errors.js';
import type { DecodedEvent } from './event-file.js';
import type { LedgerPoster } from './ledger-poster.js';
import { chainAccounts, postingChain, type PostingChain } from './posting-rules.js';

export type AcceptedOutcome = { status: 'posted' | 'duplicate'; event_id: string; accounts: AccountSpec[]; transfers: number };
export type FailedOutcome = { status: 'invalid' | 'conflict' | 'rejected'; event_id: string | undefined; code: string; reason: string };
export type EventOutcome = AcceptedOutcome | { status: 'no_transfers'; event_id: string } | FailedOutcome;

export function isFailed(outcome: EventOutcome): outcome is FailedOutcome {
  return outcome.status === 'invalid' || outcome.status === 'conflict' || outcome.status === 'rejected';
}

export async function postBatch(events: readonly DecodedEvent[], poster: LedgerPoster, registry: AssetRegistry): Promise<EventOutcome[]> {
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
      const code = isKeelError(error) ? error.code : engine_error_codes.event_invalid;
      outcomes[index] = { status: 'invalid', event_id: decoded.event.id, code, reason: describeError(error) };
    }
  });
  const chain_outcomes = await poster.post(postable.map((entry) => entry.chain));
  chain_outcomes.forEach((outcome, position) => {
    const { index, chain } = postable[position]!;
    if (outcome.status === 'posted' || outcome.status === 'duplicate') {
      outcomes[index] = { status: outcome.status, event_id: chain.event_id, accounts: chainAccounts(chain), transfers: chain.legs.length };
    } else if (outcome.status === 'no_transfers') {
      outcomes[index] = { status: 'no_transfers', event_id: chain.event_id };
    } else {
      outcomes[index] = { status: outcome.status, event_id: chain.event_id, code: outcome.code, reason: outcome.reason };
    }
  });
  return outcomes;
}
