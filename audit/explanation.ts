// A plain-language explanation of a trade record, for a regulator or a mentor: what was traded,
// why, what the risk checks said, how it was executed, what it did to the books, and what is
// missing. Generated from the record alone, so it never says more than the record knows.
import {
  addDecimals,
  formatDecimal,
  multiplyDecimals,
  parseDecimal,
  zero_decimal,
  type Decimal,
} from '../ledger/money.js';
import type { TradeRecord } from './trade-records.js';

/** Digits after the point for the one figure that needs a division: the average price. */
const average_price_decimals = 8;

export function explainTrade(record: TradeRecord): string {
  return [headline(record), why(record), risk(record), execution(record), books(record), missing(record)]
    .filter((line) => line !== '')
    .join('\n');
}

function headline(record: TradeRecord): string {
  const { instrument } = record;
  const span =
    record.opened_at === record.closed_at
      ? `at ${humanTime(record.opened_at)}`
      : `from ${humanTime(record.opened_at)} to ${humanTime(record.closed_at)}`;
  const quantity = formatDecimal(sum(record.fills.map((fill) => fill.quantity)));
  const unit = instrument.kind === 'spot' ? instrument.base : `${instrument.symbol} contracts`;
  return `Trade ${record.trade_id}: ${record.side.toUpperCase()} ${quantity} ${unit} (${instrument.kind} ${instrument.symbol}) on ${record.venue}, account ${record.account}, ${span}.`;
}

function why(record: TradeRecord): string {
  const decision = record.decision;
  if (decision === null) return 'Why: no strategy decision was recorded for this trade.';
  const signals = Object.entries(decision.signals)
    .map(([name, value]) => `${name} = ${value}`)
    .join(', ');
  return (
    `Why: strategy ${decision.strategy} (version ${decision.strategy_version}) decided at ${humanTime(decision.time)} to ${decision.side} ${decision.quantity}` +
    `${decision.rationale ? `, because: "${decision.rationale}"` : ''}${signals ? `. Signals: ${signals}.` : '.'}`
  );
}

function risk(record: TradeRecord): string {
  const check = record.risk_check;
  if (check === null) return 'Risk: no risk check was recorded for this trade.';
  const passed = check.checks.filter((item) => item.passed).length;
  const details = check.checks
    .map((item) => `${item.name} ${item.value} against a limit of ${item.limit}${item.passed ? '' : ' (FAILED)'}`)
    .join('; ');
  return `Risk: the order was ${check.approved ? 'approved' : 'NOT approved'}; ${passed} of ${check.checks.length} checks passed${details ? ` (${details})` : ''}.`;
}

function execution(record: TradeRecord): string {
  const lines: string[] = [];
  if (record.order_lifecycle.length > 0) {
    const first = record.order_lifecycle[0]!;
    lines.push(
      `Order: ${first.order_type} order ${record.order_id}, ${record.order_lifecycle.map((order) => order.status).join(' → ')}.`,
    );
  }
  const quantity = sum(record.fills.map((fill) => fill.quantity));
  const costs = record.fills.map((fill) => fill.cost ?? formatDecimal(product(fill.quantity, fill.price)));
  const total_cost = sum(costs);
  const average = divide(total_cost, quantity, average_price_decimals);
  const quote = record.instrument.quote;
  const fees = feeTotals(record);
  const liquidity = ['maker', 'taker']
    .map((kind) => [kind, record.fills.filter((fill) => fill.liquidity === kind).length] as const)
    .filter(([, count]) => count > 0);
  lines.push(
    `Execution: ${record.fills.length} fill${record.fills.length === 1 ? '' : 's'} for ${formatDecimal(quantity)} at an average price of ${average} ${quote}` +
      `${record.instrument.kind === 'spot' ? ` (${formatDecimal(total_cost)} ${quote} in all)` : ''}` +
      `; fees ${fees.length === 0 ? 'none' : fees.join(', ')}` +
      `${liquidity.length > 0 ? `; ${liquidity.map(([kind, count]) => `${count} ${kind}`).join(', ')}` : ''}` +
      `${record.fills.some((fill) => fill.liquidation) ? '; this was a LIQUIDATION' : ''}.`,
  );
  return lines.join('\n');
}

function books(record: TradeRecord): string {
  const lines = [
    `Ledger: ${record.ledger_transfers.length} transfers (${[...new Set(record.ledger_transfers.map((transfer) => transfer.leg))].join(', ')} legs), linked per fill so each fill posts all or nothing.`,
  ];
  const { lots } = record;
  const currency = lots.reporting_currency;
  if (lots.opened.length > 0)
    lines.push(
      `Lots opened: ${lots.opened.map((lot) => `${lot.quantity} ${lot.asset} at a cost of ${lot.cost_basis ?? 'an unknown amount'} ${currency}`).join('; ')}.`,
    );
  if (lots.closed.length > 0) {
    const terms = [...new Set(lots.closed.map((lot) => lot.term))].join(' and ');
    lines.push(
      `Lots closed: ${lots.closed.length} (${terms}-term); realised ${lots.realised_gain === null ? 'gain unknown (unpriced)' : `${lots.realised_gain.startsWith('-') ? 'loss' : 'gain'} of ${lots.realised_gain.replace('-', '')} ${currency}`}.`,
    );
  }
  if (lots.missing_basis.length > 0)
    lines.push(
      `No cost basis for: ${lots.missing_basis.map((row) => `${row.quantity} ${row.asset}`).join(', ')} (never treated as zero cost).`,
    );
  if (record.balances.length > 0)
    lines.push(
      `Balances: ${record.balances.map((line) => `${line.asset} ${line.type} ${line.before} → ${line.after}`).join('; ')}.`,
    );
  return lines.join('\n');
}

function missing(record: TradeRecord): string {
  return record.missing.length === 0
    ? 'Nothing is missing from this record.'
    : `Missing: ${record.missing.join('; ')}.`;
}

function feeTotals(record: TradeRecord): string[] {
  const totals = new Map<string, Decimal>();
  for (const fee of record.fills.flatMap((fill) => fill.fees))
    totals.set(fee.asset, addDecimals(totals.get(fee.asset) ?? zero_decimal, parseDecimal(fee.amount, 'fee')));
  return [...totals]
    .filter(([, total]) => total.units !== 0n)
    .map(
      ([asset, total]) =>
        `${total.units < 0n ? 'a rebate of ' : ''}${formatDecimal({ units: total.units < 0n ? -total.units : total.units, scale: total.scale })} ${asset}`,
    );
}

function sum(values: readonly string[]): Decimal {
  return values.reduce((total, value) => addDecimals(total, parseDecimal(value, 'value')), zero_decimal);
}

function product(quantity: string, price: string): Decimal {
  return multiplyDecimals(parseDecimal(quantity, 'quantity'), parseDecimal(price, 'price'));
}

/** left ÷ right, rounded half-up to `decimals` digits and marked "about" when not exact. */
function divide(left: Decimal, right: Decimal, decimals: number): string {
  if (right.units === 0n) return 'n/a';
  const numerator = left.units * 10n ** BigInt(right.scale + decimals);
  const denominator = right.units * 10n ** BigInt(left.scale);
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  const rounded = remainder * 2n >= denominator ? quotient + 1n : quotient;
  return `${remainder === 0n ? '' : 'about '}${formatDecimal({ units: rounded, scale: decimals })}`;
}

function humanTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)} UTC`;
}
