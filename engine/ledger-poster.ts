// Submits posting chains to a Ledger: accounts first (idempotently), then transfers in requests of
// at most `batch_events_max` events, never splitting a chain across requests. Each chain's
// outcome is read from TigerBeetle's own answers, so re-posting is safe: ids come from the event,
// and a chain that already exists is recognised as a duplicate by looking its legs up.
import { ledgerAccount, type AccountSpec } from '../ledger/chart-of-accounts.js';
import { ledgerError, ledger_error_codes } from '../ledger/ledger-errors.js';
import {
  batch_events_max,
  CreateAccountStatus,
  CreateTransferStatus,
  type CreateTransferResult,
  type Ledger,
  type Transfer,
} from '../ledger/ledger-port.js';
import { assertInvariant } from '../platform/errors.js';
import { engine_error_codes } from './engine-errors.js';
import { chainAccounts, chainTransfers, type PostingChain } from './posting-rules.js';

export type ChainOutcome =
  | { status: 'posted'; transfer_ids: bigint[] }
  | { status: 'duplicate'; transfer_ids: bigint[] }
  | { status: 'no_transfers' }
  | { status: 'conflict'; code: string; reason: string }
  | { status: 'rejected'; code: string; reason: string };

/** Accounts known to exist are remembered up to this many; past it the memory starts again (creation is idempotent). */
const known_accounts_max = 1_000_000;

export class LedgerPoster {
  private readonly known_account_ids = new Set<bigint>();

  constructor(
    private readonly ledger: Ledger,
    private readonly request_events_max: number = batch_events_max,
  ) {
    if (!Number.isInteger(request_events_max) || request_events_max < 1 || request_events_max > batch_events_max) {
      throw new RangeError(`request_events_max must be 1..${batch_events_max}, got ${request_events_max}`);
    }
  }

  /** Posts the chains in order; one outcome per chain, in the same order. */
  async post(chains: readonly PostingChain[]): Promise<ChainOutcome[]> {
    await this.ensureAccounts(chains.flatMap(chainAccounts));
    const outcomes: ChainOutcome[] = new Array(chains.length);
    for (const request of this.packRequests(chains)) {
      const transfers = request.flatMap((entry) => entry.transfers);
      const results = transfers.length === 0 ? [] : await this.ledger.createTransfers(transfers);
      const answered_all = results.length === transfers.length;
      assertInvariant(
        answered_all,
        engine_error_codes.invariant_broken,
        `ledger answered ${results.length} results for ${transfers.length} transfers`,
      );
      let offset = 0;
      const to_verify: { index: number; transfers: Transfer[] }[] = [];
      for (const entry of request) {
        const chain_results = results.slice(offset, offset + entry.transfers.length);
        offset += entry.transfers.length;
        const outcome = classify(chains[entry.index]!, entry.transfers, chain_results);
        if (outcome === 'verify') to_verify.push(entry);
        else outcomes[entry.index] = outcome;
      }
      const stored = await this.lookupAll(to_verify.flatMap((entry) => entry.transfers.map((transfer) => transfer.id)));
      for (const entry of to_verify)
        outcomes[entry.index] = verifyExisting(chains[entry.index]!, entry.transfers, stored);
    }
    return outcomes;
  }

  /** Creates every account not yet known to exist. An account that exists with other fields is a configuration error. */
  async ensureAccounts(specs: readonly AccountSpec[]): Promise<void> {
    const missing = new Map<bigint, AccountSpec>();
    for (const spec of specs) if (!this.known_account_ids.has(spec.id)) missing.set(spec.id, spec);
    const pending = [...missing.values()];
    for (let start = 0; start < pending.length; start += this.request_events_max) {
      const batch = pending.slice(start, start + this.request_events_max);
      const results = await this.ledger.createAccounts(batch.map(ledgerAccount));
      batch.forEach((spec, index) => {
        const status = results[index]?.status;
        if (status !== CreateAccountStatus.created && status !== CreateAccountStatus.exists) {
          throw ledgerError(
            ledger_error_codes.account_rejected,
            `account ${spec.venue}/${spec.account}/${spec.type}/${spec.asset} (ledger ${spec.ledger}) was refused: ${CreateAccountStatus[status ?? 0] ?? status}` +
              ' — an existing account with other fields means the asset registry changed under posted data',
          );
        }
      });
      if (this.known_account_ids.size + batch.length > known_accounts_max) this.known_account_ids.clear();
      for (const spec of batch) this.known_account_ids.add(spec.id);
    }
  }

  private *packRequests(chains: readonly PostingChain[]): Generator<{ index: number; transfers: Transfer[] }[]> {
    let request: { index: number; transfers: Transfer[] }[] = [];
    let request_events = 0;
    for (let index = 0; index < chains.length; index += 1) {
      const transfers = chainTransfers(chains[index]!);
      if (request_events + transfers.length > this.request_events_max && request.length > 0) {
        yield request;
        request = [];
        request_events = 0;
      }
      request.push({ index, transfers });
      request_events += transfers.length;
    }
    if (request.length > 0) yield request;
  }

  /** The stored transfers with these ids, in requests of at most the limit. */
  private async lookupAll(ids: readonly bigint[]): Promise<Map<bigint, Transfer>> {
    const stored = new Map<bigint, Transfer>();
    for (let start = 0; start < ids.length; start += this.request_events_max) {
      for (const transfer of await this.ledger.lookupTransfers(ids.slice(start, start + this.request_events_max)))
        stored.set(transfer.id, transfer);
    }
    return stored;
  }
}

/**
 * A chain whose first failure is `exists`: a duplicate when every leg is stored exactly as built
 * now. (The event key covers the content, so a differing leg here means the asset registry or the
 * rules changed under posted data.)
 */
function verifyExisting(
  chain: PostingChain,
  transfers: readonly Transfer[],
  stored: ReadonlyMap<bigint, Transfer>,
): ChainOutcome {
  for (const [index, transfer] of transfers.entries()) {
    const existing = stored.get(transfer.id);
    const difference = existing === undefined ? 'was never posted' : firstDifference(transfer, existing);
    if (difference !== undefined) return conflict(chain, `leg ${index} (${chain.legs[index]!.kind}) ${difference}`);
  }
  return { status: 'duplicate', transfer_ids: transfers.map((transfer) => transfer.id) };
}

function classify(
  chain: PostingChain,
  transfers: readonly Transfer[],
  results: readonly CreateTransferResult[],
): ChainOutcome | 'verify' {
  if (transfers.length === 0) return { status: 'no_transfers' };
  const failure_index = results.findIndex(
    (result) =>
      result.status !== CreateTransferStatus.created && result.status !== CreateTransferStatus.linked_event_failed,
  );
  if (failure_index === -1) {
    if (results.every((result) => result.status === CreateTransferStatus.created)) {
      return { status: 'posted', transfer_ids: transfers.map((transfer) => transfer.id) };
    }
    throw new Error(`event ${chain.event_id}: linked chain failed without a failing leg`);
  }
  const status = results[failure_index]!.status;
  const status_name = CreateTransferStatus[status] ?? String(status);
  if (status === CreateTransferStatus.exists) return 'verify';
  if (status_name.startsWith('exists_with_different_')) {
    return conflict(
      chain,
      `leg ${failure_index} (${chain.legs[failure_index]!.kind}) exists with different ${status_name.slice(22)}`,
    );
  }
  return {
    status: 'rejected',
    code: engine_error_codes.ledger_rejected,
    reason: `${engine_error_codes.ledger_rejected}: the ledger refused leg ${failure_index} (${chain.legs[failure_index]!.kind}): ${status_name}`,
  };
}

function conflict(chain: PostingChain, detail: string): ChainOutcome {
  return {
    status: 'conflict',
    code: engine_error_codes.event_conflict,
    reason: `${engine_error_codes.event_conflict}: event ${chain.event_id} was posted before with different content: ${detail}`,
  };
}

const compared_fields = [
  'debit_account_id',
  'credit_account_id',
  'amount',
  'pending_id',
  'user_data_128',
  'user_data_64',
  'user_data_32',
  'timeout',
  'ledger',
  'code',
  'flags',
] as const;

function firstDifference(expected: Transfer, stored: Transfer): string | undefined {
  const field = compared_fields.find((name) => expected[name] !== stored[name]);
  return field === undefined ? undefined : `differs in ${field}`;
}
