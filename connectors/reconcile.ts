// Reconciliation (I7): the ledger's cash per asset of one venue account against the balance the
// venue reports. The comparison is pure and exact; reading each side is a thin edge around it.
import type { Exchange } from 'ccxt';
import type { AssetRegistry } from '../ledger/asset-registry.js';
import { accountId } from '../ledger/chart-of-accounts.js';
import type { Ledger } from '../ledger/ledger-port.js';
import { formatUnits } from '../ledger/money.js';
import type { ReconcileReport } from '../ledger/reconciliation.js';
import { addDecimalTexts, exactDecimal, negateDecimalText, signOfDecimal } from './exact-decimal.js';
import { connector_error_codes, connectorError } from './connector-errors.js';

/** Assets per reconciliation: far above any account's, small enough to bound one ledger lookup. */
const assets_max = 8_000;

/** Every asset either side knows, compared exactly; `difference` = venue − ledger. */
export function compareBalances(
  venue: string,
  account: string,
  ledger_cash: Readonly<Record<string, string>>,
  venue_totals: Readonly<Record<string, string>>,
): ReconcileReport {
  const assets = [...new Set([...Object.keys(ledger_cash), ...Object.keys(venue_totals)])].sort();
  const report: ReconcileReport = { venue, account, matched: [], differences: [] };
  for (const asset of assets) {
    const ledger_amount = ledger_cash[asset] ?? '0';
    const venue_amount = venue_totals[asset] ?? '0';
    const difference = addDecimalTexts(venue_amount, negateDecimalText(ledger_amount));
    const line = { asset, ledger: ledger_amount, venue: venue_amount, difference };
    if (signOfDecimal(difference) === 0) report.matched.push(line);
    else report.differences.push(line);
  }
  return report;
}

/** The venue's total per asset (free + used), as exact strings; zero balances are left out. */
export async function readVenueTotals(
  exchange: Exchange,
  params: Record<string, unknown> = {},
): Promise<Record<string, string>> {
  const balance = (await exchange.fetchBalance(params)) as unknown as { total?: Record<string, unknown> };
  const totals: Record<string, string> = {};
  for (const [asset, value] of Object.entries(balance.total ?? {})) {
    if (value === undefined || value === null) continue;
    const amount = exactDecimal(value, `balance ${asset}`);
    if (signOfDecimal(amount) !== 0) totals[asset] = amount;
  }
  return totals;
}

/**
 * The ledger's cash balance (debits − credits) of each asset for the venue account. Assets the
 * registry does not know cannot have a ledger account, so their ledger cash is 0.
 */
export async function readLedgerCash(
  ledger: Ledger,
  registry: AssetRegistry,
  venue: string,
  account: string,
  assets: readonly string[],
): Promise<Record<string, string>> {
  if (assets.length > assets_max) {
    throw connectorError(
      connector_error_codes.reconcile_failed,
      `at most ${assets_max} assets per reconciliation, got ${assets.length}`,
    );
  }
  const known = assets.filter((asset) => registry.allAssets().some((spec) => spec.code === asset));
  const ids = known.map((asset) => accountId({ venue, account, type: 'cash', asset }));
  const found = new Map((await ledger.lookupAccounts(ids)).map((found_account) => [found_account.id, found_account]));
  const cash: Record<string, string> = {};
  known.forEach((asset, index) => {
    const ledger_account = found.get(ids[index]!);
    if (ledger_account === undefined) return;
    const balance = formatUnits(
      ledger_account.debits_posted - ledger_account.credits_posted,
      registry.asset(asset).scale,
    );
    if (signOfDecimal(balance) !== 0) cash[asset] = balance;
  });
  return cash;
}

/** Both sides of one venue account, compared. Assets in the ledger but not on the venue are included by `also_assets`. */
export async function reconcile(
  exchange: Exchange,
  ledger: Ledger,
  registry: AssetRegistry,
  venue: string,
  account: string,
  also_assets: readonly string[] = registry.allAssets().map((spec) => spec.code),
): Promise<ReconcileReport> {
  const venue_totals = await readVenueTotals(exchange);
  const assets = [...new Set([...Object.keys(venue_totals), ...also_assets])];
  const ledger_cash = await readLedgerCash(ledger, registry, venue, account, assets);
  return compareBalances(venue, account, ledger_cash, venue_totals);
}
