// One line per trade, for the audit report's list of trades: what was done, why, whether risk
// approved it, and what it realised. The full account is audit/explanation.ts; this line says
// nothing that the trade record does not.
import { addDecimals, formatDecimal, parseDecimal, type Decimal } from '../ledger/money.js';
import type { TradeRecord } from '../audit/trade-records.js';

const zero: Decimal = { units: 0n, scale: 0 };

export function oneLineExplanation(record: TradeRecord): string {
  const quantity = formatDecimal(
    record.fills.reduce((total, fill) => addDecimals(total, parseDecimal(fill.quantity, 'quantity')), zero),
  );
  const unit = record.instrument.kind === 'spot' ? record.instrument.base : 'contracts';
  const parts = [
    `${record.side.toUpperCase()} ${quantity} ${unit} ${record.instrument.symbol} in ${record.fills.length} fill${record.fills.length === 1 ? '' : 's'}${feesText(record)}`,
  ];
  const decision = record.decision;
  parts.push(
    decision === null
      ? 'no decision recorded'
      : `${decision.strategy} ${decision.strategy_version}${decision.rationale ? `: "${decision.rationale}"` : ''}`,
  );
  const risk = record.risk_check;
  parts.push(
    risk === null
      ? 'no risk check'
      : `risk ${risk.approved ? 'approved' : 'NOT approved'} (${risk.checks.filter((check) => check.passed).length}/${risk.checks.length} passed)`,
  );
  const { lots } = record;
  if (lots.closed.length > 0) {
    parts.push(
      lots.realised_gain === null
        ? 'realised gain unknown (unpriced)'
        : `realised ${lots.realised_gain} ${lots.reporting_currency}`,
    );
  } else if (lots.opened.length > 0) {
    parts.push(`${lots.opened.length} lot${lots.opened.length === 1 ? '' : 's'} opened`);
  }
  if (lots.missing_basis.length > 0) parts.push('MISSING BASIS');
  if (record.fills.some((fill) => fill.liquidation)) parts.push('LIQUIDATION');
  if (record.missing.length > 0)
    parts.push(`${record.missing.length} item${record.missing.length === 1 ? '' : 's'} missing`);
  return `${parts.join('; ')}.`;
}

function feesText(record: TradeRecord): string {
  const totals = new Map<string, Decimal>();
  for (const fee of record.fills.flatMap((fill) => fill.fees))
    totals.set(fee.asset, addDecimals(totals.get(fee.asset) ?? zero, parseDecimal(fee.amount, 'fee')));
  const shown = [...totals]
    .filter(([, total]) => total.units !== 0n)
    .map(([asset, total]) => `${formatDecimal(total)} ${asset}`);
  return shown.length === 0 ? '' : `, fees ${shown.join(' + ')}`;
}
