// Checks a ledger against the events that were fed to it, for invariants I1–I3 (DESIGN.md §6):
// I1 per ledger Σ debits = Σ credits; I2 every event maps to exactly its transfers (none twice,
// none missing, nothing else in the ledger); I3 every balance equals an independent fold.
import type { KeelEvent } from '../../engine/event-schema.js';
import { chainTransfers, postingChain } from '../../engine/posting-rules.js';
import type { AssetRegistry } from '../../ledger/asset-registry.js';
import { accountId, type AccountType } from '../../ledger/chart-of-accounts.js';
import { batch_events_max, queryFilter, type Account, type Ledger, type Transfer } from '../../ledger/ledger-port.js';
import { formatUnits } from '../../ledger/money.js';
import { foldEvents } from './independent-fold.js';

export async function allTransfers(ledger: Ledger): Promise<Transfer[]> {
  return scan((timestamp_min) => ledger.queryTransfers(queryFilter({ timestamp_min })));
}

export async function allAccounts(ledger: Ledger): Promise<Account[]> {
  return scan((timestamp_min) => ledger.queryAccounts(queryFilter({ timestamp_min })));
}

async function scan<T extends { timestamp: bigint }>(page: (timestamp_min: bigint) => Promise<T[]>): Promise<T[]> {
  const items: T[] = [];
  let timestamp_min = 0n;
  for (;;) {
    const batch = await page(timestamp_min);
    items.push(...batch);
    if (batch.length < batch_events_max) return items;
    timestamp_min = batch[batch.length - 1]!.timestamp + 1n;
  }
}

export type InvariantReport = { problems: string[]; transfers: number; expected_transfers: number; accounts: number };

/** `events` are the events that should have been posted (each id once; dead-lettered ones left out). */
export async function checkLedgerInvariants(
  ledger: Ledger,
  events: readonly KeelEvent[],
  registry: AssetRegistry,
): Promise<InvariantReport> {
  const problems: string[] = [];
  const transfers = await allTransfers(ledger);
  const accounts = await allAccounts(ledger);

  const net_by_ledger = new Map<number, bigint>();
  for (const account of accounts) {
    net_by_ledger.set(
      account.ledger,
      (net_by_ledger.get(account.ledger) ?? 0n) + account.debits_posted - account.credits_posted,
    );
  }
  for (const [ledger_id, net] of net_by_ledger)
    if (net !== 0n) problems.push(`I1: ledger ${ledger_id} debits − credits = ${net}`);

  const stored = new Map(transfers.map((transfer) => [transfer.id, transfer]));
  const expected_ids = new Set<bigint>();
  for (const event of events) {
    for (const transfer of chainTransfers(postingChain(event, registry))) {
      expected_ids.add(transfer.id);
      const found = stored.get(transfer.id);
      if (found === undefined) problems.push(`I2: event ${event.id} is missing transfer ${transfer.id}`);
      else if (found.amount !== transfer.amount || found.user_data_128 !== transfer.user_data_128)
        problems.push(`I2: event ${event.id} transfer ${transfer.id} differs`);
    }
  }
  for (const transfer of transfers)
    if (!expected_ids.has(transfer.id)) problems.push(`I2: transfer ${transfer.id} belongs to no expected event`);

  const accounts_by_id = new Map(accounts.map((account) => [account.id, account]));
  for (const [key, balance] of foldEvents(events)) {
    const [venue = '', account = '', type = '', asset = ''] = key.split('|');
    const id = accountId({ venue, account, type: type as AccountType, asset });
    const found = accounts_by_id.get(id);
    const scale =
      type === 'position' || (type === 'counterparty' && asset.includes('/'))
        ? registry.instrument(asset).scale
        : registry.asset(asset).scale;
    const actual = found === undefined ? 'missing' : formatUnits(found.debits_posted - found.credits_posted, scale);
    if (actual !== balance) problems.push(`I3: ${key} is ${actual} in the ledger, ${balance} by the fold`);
  }
  return {
    problems: problems.slice(0, 50),
    transfers: transfers.length,
    expected_transfers: expected_ids.size,
    accounts: accounts.length,
  };
}
