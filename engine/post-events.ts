// Posting a file of events: the job behind `keel post`. Lines are validated, turned into chains by
// the posting rules and posted in bounded groups; every line ends as posted, duplicate, no
// transfers (moves no money) or rejected with its reason. The file is streamed, so memory does
// not grow with its length beyond the per-account summary.
import type { AssetRegistry } from '../ledger/asset-registry.js';
import { currentBalances, type BalanceRow } from '../ledger/balances.js';
import type { AccountSpec } from '../ledger/chart-of-accounts.js';
import type { Ledger } from '../ledger/ledger-port.js';
import { batch_events_max } from '../ledger/ledger-port.js';
import { readEventFile, type EventLine, type Rejection } from './event-file.js';
import { LedgerPoster } from './ledger-poster.js';
import { rejections_listed_max } from './rejections.js';
import { countOutcomes, failedCount, isFailed, noCounts, postBatch, type PostingCounts } from './post-batch.js';

export type PostCounts = { read: number; posted: number; duplicates: number; no_transfers: number; rejected: number };
export type AccountBalanceRow = BalanceRow;
export type PostReport = {
  events: PostCounts;
  rejections: Rejection[];
  /** Rejections beyond `rejections_listed_max` are counted here instead of listed. */
  rejections_not_listed: number;
  accounts: AccountBalanceRow[];
};
export type PostProgress = { lines: number; counts: PostCounts; elapsed_ms: number };

/** Events posted per group: one ledger request's worth of chains, so the ledger is kept busy without buffering the file. */
export const events_per_group = batch_events_max;

export type PostOptions = {
  on_progress?: (progress: PostProgress) => void;
  progress_interval_ms?: number;
};

export async function postEventFile(
  file_path: string,
  ledger: Ledger,
  registry: AssetRegistry,
  options: PostOptions = {},
): Promise<PostReport> {
  return postEventLines(readEventFile(file_path), ledger, registry, options);
}

export async function postEventLines(
  lines: AsyncIterable<EventLine> | Iterable<EventLine>,
  ledger: Ledger,
  registry: AssetRegistry,
  options: PostOptions = {},
): Promise<PostReport> {
  const poster = new LedgerPoster(ledger);
  const counts = noCounts();
  const rejections: Rejection[] = [];
  let rejections_not_listed = 0;
  const accounts = new Map<bigint, AccountSpec>();
  const started_ms = Date.now();
  let progress_reported_ms = started_ms;
  let group: EventLine[] = [];

  const flush = async () => {
    const outcomes = await postBatch(group, poster, registry);
    countOutcomes(outcomes, counts);
    outcomes.forEach((outcome, index) => {
      if (isFailed(outcome)) {
        if (rejections.length < rejections_listed_max)
          rejections.push({ line: group[index]!.line, id: outcome.event_id ?? null, reason: outcome.reason });
        else rejections_not_listed += 1;
      } else if (outcome.status !== 'no_transfers') {
        for (const spec of outcome.accounts) accounts.set(spec.id, spec);
      }
    });
    group = [];
    const now_ms = Date.now();
    if (options.on_progress && now_ms - progress_reported_ms >= (options.progress_interval_ms ?? 2_000)) {
      progress_reported_ms = now_ms;
      options.on_progress({ lines: counts.read, counts: postCounts(counts), elapsed_ms: now_ms - started_ms });
    }
  };

  for await (const line of lines) {
    group.push(line);
    if (group.length >= events_per_group) await flush();
  }
  if (group.length > 0) await flush();
  return {
    events: postCounts(counts),
    rejections,
    rejections_not_listed,
    accounts: await currentBalances(ledger, [...accounts.values()]),
  };
}

/** The counts as `keel post` reports them: every failed line is a rejection. */
function postCounts(counts: PostingCounts): PostCounts {
  return {
    read: counts.read,
    posted: counts.posted,
    duplicates: counts.duplicates,
    no_transfers: counts.no_transfers,
    rejected: failedCount(counts),
  };
}
