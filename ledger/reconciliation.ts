// Reconciliation (invariant I7) as data: the ledger's cash per asset of one venue account beside
// the balance the venue reports. Connectors produce it (connectors/reconcile.ts reads both sides),
// the audit report prints it; both import it from here, the ledger's side of the comparison.

/** One asset: both balances as exact decimal strings; `difference` = venue − ledger. */
export type BalanceLine = { asset: string; ledger: string; venue: string; difference: string };
export type ReconcileReport = { venue: string; account: string; matched: BalanceLine[]; differences: BalanceLine[] };
