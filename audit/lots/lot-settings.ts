// The settings of the lot engine (DESIGN.md §7). Every one of them changes the numbers, so every
// report carries them all, with the fixed policies spelled out in words: a reader of an export
// must be able to tell how each figure was made without reading this code.
import { formatDecimal, parseDecimal } from '../../ledger/money.js';
import { audit_error_codes, auditError } from '../audit-errors.js';

export const lot_methods = ['fifo', 'lifo', 'hifo'] as const;
export const lot_pools = ['account', 'global'] as const;
export type LotMethod = (typeof lot_methods)[number];
export type LotPool = (typeof lot_pools)[number];

export type LotSettings = {
  /** Which lots a disposal consumes first: oldest (fifo), newest (lifo), highest cost per unit (hifo). */
  readonly method: LotMethod;
  /** `account`: one pool per venue account and asset (the US rule from 2025); `global`: one pool per asset. */
  readonly pool: LotPool;
  /** The currency of every cost, proceeds and gain. It has no lots: it is the measure. */
  readonly reporting_currency: string;
  /** Assets valued at a fixed price in the reporting currency (decimal strings), e.g. USDT = 1. */
  readonly pegs: Readonly<Record<string, string>>;
  /** A price-table price older than this at the time of the event is not used. */
  readonly price_age_max_ms: number;
  /** Decimals kept when a division cannot be exact (proportional splits, inverse-contract PnL). */
  readonly rounding_scale: number;
};

const hour_ms = 60 * 60 * 1000;
export const price_age_max_ms_limit = 366 * 24 * hour_ms;
export const rounding_scale_min = 2;
export const rounding_scale_max = 30;
export const pegs_max = 256;

export const default_lot_settings: LotSettings = {
  method: 'fifo',
  pool: 'account',
  reporting_currency: 'USD',
  pegs: { USDT: '1', USDC: '1' },
  price_age_max_ms: 24 * hour_ms,
  rounding_scale: 12,
};

const asset_pattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

/** The defaults overridden by `overrides`, checked: every problem is reported at once. */
export function lotSettings(overrides: Partial<LotSettings> = {}): LotSettings {
  const settings: LotSettings = {
    ...default_lot_settings,
    ...overrides,
    pegs: { ...(overrides.pegs ?? default_lot_settings.pegs) },
  };
  const problems = settingsProblems(settings);
  if (problems.length > 0) throw auditError(audit_error_codes.settings_invalid, `lot settings: ${problems.join('; ')}`);
  return settings;
}

function settingsProblems(settings: LotSettings): string[] {
  const problems: string[] = [];
  if (!lot_methods.includes(settings.method))
    problems.push(`method must be one of ${lot_methods.join(', ')}, got '${settings.method}'`);
  if (!lot_pools.includes(settings.pool))
    problems.push(`pool must be one of ${lot_pools.join(', ')}, got '${settings.pool}'`);
  if (!asset_pattern.test(settings.reporting_currency))
    problems.push(`reporting_currency '${settings.reporting_currency}' is not an asset code`);
  const peg_entries = Object.entries(settings.pegs);
  if (peg_entries.length > pegs_max) problems.push(`at most ${pegs_max} pegs`);
  for (const [asset, price] of peg_entries) {
    if (asset === settings.reporting_currency) problems.push(`pegs.${asset}: the reporting currency needs no peg`);
    else if (!asset_pattern.test(asset)) problems.push(`pegs: '${asset}' is not an asset code`);
    else if (!isPositiveDecimal(price)) problems.push(`pegs.${asset}: '${price}' is not a positive decimal`);
  }
  if (
    !Number.isSafeInteger(settings.price_age_max_ms) ||
    settings.price_age_max_ms < 0 ||
    settings.price_age_max_ms > price_age_max_ms_limit
  ) {
    problems.push(`price_age_max_ms must be an integer from 0 to ${price_age_max_ms_limit}`);
  }
  if (
    !Number.isInteger(settings.rounding_scale) ||
    settings.rounding_scale < rounding_scale_min ||
    settings.rounding_scale > rounding_scale_max
  ) {
    problems.push(`rounding_scale must be an integer from ${rounding_scale_min} to ${rounding_scale_max}`);
  }
  return problems;
}

function isPositiveDecimal(text: string): boolean {
  try {
    return typeof text === 'string' && parseDecimal(text, 'peg').units > 0n;
  } catch {
    return false;
  }
}

/** The settings as every report and export prints them. */
export type RecordedSettings = {
  method: LotMethod;
  pool: LotPool;
  reporting_currency: string;
  fee_policy: string;
  holding_period: string;
  same_time_order: string;
  pegs: Record<string, string>;
  pegs_used: string[];
  price_sources: string;
  price_age_max_ms: number;
  rounding: string;
  rounding_scale: number;
  deposits_without_basis: string;
  transfers: string;
  withdrawals: string;
  derivatives: string;
};

export function recordSettings(settings: LotSettings, pegs_used: Iterable<string>): RecordedSettings {
  const currency = settings.reporting_currency;
  const unit = formatDecimal({ units: 1n, scale: settings.rounding_scale });
  return {
    method: settings.method,
    pool: settings.pool,
    reporting_currency: currency,
    fee_policy:
      `a fee in the quote asset or in ${currency} is added to the cost of what the trade acquires and deducted from the proceeds of what it disposes of ` +
      `(a quote-asset fee is netted against the quote amount exchanged); a fee in any other asset, the base included, is a disposal of that asset's lots ` +
      `at market value (kind 'fee'), and that value is added to cost or deducted from proceeds in the same way; a negative fee (rebate) is the reverse: ` +
      `an acquisition at market value (kind 'rebate') that lowers cost or raises proceeds`,
    holding_period:
      'long-term when the UTC date of the disposal is after the anniversary of the UTC date of acquisition (more than one year; the anniversary of ' +
      '29 February is 28 February in a year without one), otherwise short-term',
    same_time_order: 'event time, then event id (code-unit order)',
    pegs: { ...settings.pegs },
    pegs_used: [...pegs_used].sort(),
    price_sources:
      `in order: ${currency} itself = 1; pegs; prices implied by the event's own trade (the base at trade price × the quote's price, or the quote ` +
      `from a priced base); the price table (latest price at or before the event time, at most price_age_max_ms old). A value that cannot be priced ` +
      'is null and marked unpriced, never zero',
    price_age_max_ms: settings.price_age_max_ms,
    rounding:
      `exact decimal arithmetic; only a division that is not exact is rounded, half to even at ${unit} ${currency}: the cost of part of a lot ` +
      `(cost × part ÷ quantity), the proceeds of part of a disposal, and inverse-contract PnL. What is left of a lot or disposal is the original ` +
      'minus what was allocated, so totals are conserved exactly',
    rounding_scale: settings.rounding_scale,
    deposits_without_basis:
      'a deposit without cost_basis creates no lot (it is listed in deposits_without_basis); a later disposal of those coins is reported as ' +
      'missing basis, never given zero cost. A deposit with cost_basis creates a lot acquired at cost_basis.acquired_at, its cost converted to ' +
      `${currency} at that time`,
    transfers:
      "a transfer between own venue accounts moves lots (acquisition date and cost kept, chosen in the method's order) and is not a disposal; " +
      "a moved lot's id is '<lot_id>/moved-by/<transfer event id>'; with the global pool a transfer changes nothing",
    withdrawals:
      "a withdrawal is not a disposal: its lots leave the pool and are listed in withdrawn; its fee (in the same asset) is a disposal at market value (kind 'withdrawal_fee'), " +
      "as is a deposit's fee (kind 'deposit_fee')",
    derivatives:
      'position lots per venue account and instrument, in contracts, matched first in first out; realised PnL in the settle asset: linear ' +
      '(exit − entry) × contracts × contract_size, inverse contracts × contract_size × (1/entry − 1/exit), signed by the side of the position; ' +
      "compared with the venue's settlement events (difference = computed − venue). Settlement, funding and income flows in a crypto asset " +
      'acquire lots (at market value) or dispose of them',
  };
}
