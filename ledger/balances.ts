// Balances read from the ledger, the only place they are kept (DESIGN.md §4):
// - current: the account's posted debits and credits;
// - as of an event time: folded from the account's own transfers whose event time (user_data_64)
//   is at or before it — TigerBeetle's history is by insertion time, which differs from event
//   time whenever history was backfilled;
// - as known at an insertion time: TigerBeetle's `history` (get_account_balances), i.e. "what did
//   Keel know at that moment".
import { compareSpecs, type AccountSpec, type AccountType } from './chart-of-accounts.js';
import { accountFilter, AccountFilterFlags, batch_events_max, type Account, type Ledger } from './ledger-port.js';
import { formatUnits } from './money.js';

export type BalanceRow = {
  venue: string;
  account: string;
  type: AccountType;
  asset: string;
  debits: string;
  credits: string;
  balance: string;
};

type Totals = { debits: bigint; credits: bigint };

/** Current debits, credits and balance (debits − credits) of each account; accounts the ledger does not have yet are zero. */
export async function currentBalances(ledger: Ledger, specs: readonly AccountSpec[]): Promise<BalanceRow[]> {
  const found = new Map<bigint, Account>();
  for (let start = 0; start < specs.length; start += batch_events_max) {
    for (const account of await ledger.lookupAccounts(
      specs.slice(start, start + batch_events_max).map((spec) => spec.id),
    ))
      found.set(account.id, account);
  }
  return rows(specs, (spec) => {
    const account = found.get(spec.id);
    return { debits: account?.debits_posted ?? 0n, credits: account?.credits_posted ?? 0n };
  });
}

/** Balances from each account's transfers with event time at or before `at_ms`. */
export async function balancesAsOfEventTime(
  ledger: Ledger,
  specs: readonly AccountSpec[],
  at_ms: number,
): Promise<BalanceRow[]> {
  const totals = new Map<bigint, Totals>();
  for (const spec of specs) {
    const sum: Totals = { debits: 0n, credits: 0n };
    for await (const transfer of accountTransfers(ledger, spec.id)) {
      if (transfer.user_data_64 > BigInt(at_ms)) continue;
      if (transfer.debit_account_id === spec.id) sum.debits += transfer.amount;
      else sum.credits += transfer.amount;
    }
    totals.set(spec.id, sum);
  }
  return rows(specs, (spec) => totals.get(spec.id)!);
}

/** Balances as the ledger had them at insertion time `known_at_ns` (TigerBeetle timestamps, ns). */
export async function balancesKnownAt(
  ledger: Ledger,
  specs: readonly AccountSpec[],
  known_at_ns: bigint,
): Promise<BalanceRow[]> {
  const totals = new Map<bigint, Totals>();
  for (const spec of specs) {
    const [latest] = await ledger.getAccountBalances(
      accountFilter(spec.id, {
        timestamp_max: known_at_ns,
        limit: 1,
        flags: AccountFilterFlags.debits | AccountFilterFlags.credits | AccountFilterFlags.reversed,
      }),
    );
    totals.set(spec.id, { debits: latest?.debits_posted ?? 0n, credits: latest?.credits_posted ?? 0n });
  }
  return rows(specs, (spec) => totals.get(spec.id)!);
}

/** All transfers of an account, oldest first, page by page (TigerBeetle caps a page at 8189). */
async function* accountTransfers(ledger: Ledger, account_id: bigint) {
  let timestamp_min = 0n;
  for (;;) {
    const page = await ledger.getAccountTransfers(accountFilter(account_id, { timestamp_min }));
    yield* page;
    if (page.length < batch_events_max) return;
    timestamp_min = page[page.length - 1]!.timestamp + 1n;
  }
}

function rows(specs: readonly AccountSpec[], totals_of: (spec: AccountSpec) => Totals): BalanceRow[] {
  return [...specs].sort(compareSpecs).map((spec) => {
    const { debits, credits } = totals_of(spec);
    return {
      venue: spec.venue,
      account: spec.account,
      type: spec.type,
      asset: spec.asset,
      debits: formatUnits(debits, spec.scale),
      credits: formatUnits(credits, spec.scale),
      balance: formatUnits(debits - credits, spec.scale),
    };
  });
}
