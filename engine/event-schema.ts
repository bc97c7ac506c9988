// The canonical event, contract version 1 (DESIGN.md §3), validated at the boundary with zod.
// Amounts stay decimal strings here: whether they fit an asset's scale is a question for the
// asset registry, answered by the posting rules with the field's path in the error.
import { z } from 'zod';
import { decimal_text_length_max } from '../ledger/money.js';
import { utc_time_pattern } from '../platform/utc-time.js';
import { findUnstorableParts, storableExcerpt } from './event-shape.js';

export const event_id_length_max = 512;
export const fees_per_trade_max = 16;
export const checks_per_risk_check_max = 256;
export const signals_per_decision_max = 256;
const text_length_max = 10_000;
/** Problems reported per event, and the length of each path and message reported. */
const event_issues_listed_max = 16;
const issue_text_length_max = 200;

/**
 * The one spelling of an amount, quantity or price: plain digits, at most one `.` with digits on both
 * sides, a `-` only on a value below zero, no exponent, no `+`, no leading zero before another digit.
 * One spelling per value keeps the event key a function of the amount (`"1e3"` and `"1000"` would
 * otherwise be two keys for one event), and every later parse (posting rules, lots, pricing, records)
 * accepts it without a range or syntax error. Trailing zeros (`"0.9150"`) are allowed: venues write
 * them and events already posted carry them, so they are part of the text (and of the event key).
 */
export const canonical_decimal_pattern = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;
const negative_zero_pattern = /^-0(?:\.0+)?$/;

// `abort` stops at the first failed format check: a sign or calendar check on malformed text would
// only repeat the same problem in other words. The sign checks read the text, never parse it: a
// check that could throw would make validation itself fail on hostile input.
const decimal_text = z
  .string()
  .max(decimal_text_length_max, { message: `at most ${decimal_text_length_max} characters`, abort: true })
  .regex(canonical_decimal_pattern, {
    message: 'a decimal number as a string of plain digits, e.g. "0.015" (no exponent, no "+", no leading zeros)',
    abort: true,
  });
const signed_amount = decimal_text.refine(
  (text) => !negative_zero_pattern.test(text),
  'zero is written without a sign',
);
const positive_amount = decimal_text.refine(
  (text) => !text.startsWith('-') && /[1-9]/.test(text),
  'must be greater than zero',
);
const non_negative_amount = decimal_text.refine(
  (text) => !text.startsWith('-'),
  'must not be negative (and is written without a sign)',
);

const utc_time = z
  .string()
  .regex(utc_time_pattern, {
    message: 'an ISO-8601 UTC time with milliseconds, e.g. "2024-03-01T12:00:00.000Z"',
    abort: true,
  })
  .refine((text) => {
    const time_ms = Date.parse(text);
    return Number.isFinite(time_ms) && time_ms > 0 && new Date(time_ms).toISOString() === text;
  }, 'not a real calendar time after 1970-01-01');

const asset_code = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, 'an asset code of 1 to 32 letters, digits, . _ -');
const name = z.string().min(1, 'must not be empty').max(256);
const side = z.enum(['buy', 'sell']);

export const instrument_schema = z.strictObject({
  symbol: z.string().min(1).max(64),
  kind: z.enum(['spot', 'perpetual', 'future']),
  base: asset_code,
  quote: asset_code,
  settle: asset_code.optional(),
  contract_size: positive_amount.optional(),
  inverse: z.boolean().optional(),
});

const envelope = {
  id: z.string().min(1, 'must not be empty').max(event_id_length_max),
  time: utc_time,
  venue: name,
  account: name,
  raw: z.unknown().optional(),
};

const fee_schema = z.strictObject({ asset: asset_code, amount: signed_amount });

export const trade_event_schema = z.strictObject({
  ...envelope,
  type: z.literal('trade'),
  instrument: instrument_schema,
  side,
  quantity: positive_amount,
  price: positive_amount,
  cost: non_negative_amount.optional(),
  fees: z.array(fee_schema).max(fees_per_trade_max).default([]),
  order_id: name,
  trade_id: name,
  client_order_id: name.optional(),
  liquidity: z.enum(['maker', 'taker']).optional(),
  liquidation: z.boolean().optional(),
});

const signed_flow = { instrument: instrument_schema, asset: asset_code, amount: signed_amount };
export const funding_event_schema = z.strictObject({ ...envelope, type: z.literal('funding'), ...signed_flow });
export const settlement_event_schema = z.strictObject({ ...envelope, type: z.literal('settlement'), ...signed_flow });

const cost_basis_schema = z.strictObject({ amount: non_negative_amount, currency: asset_code, acquired_at: utc_time });
const external_flow = {
  asset: asset_code,
  amount: positive_amount,
  fee: non_negative_amount.optional(),
  txid: z.string().min(1).max(512).optional(),
  cost_basis: cost_basis_schema.optional(),
};
export const deposit_event_schema = z.strictObject({ ...envelope, type: z.literal('deposit'), ...external_flow });
export const withdrawal_event_schema = z.strictObject({ ...envelope, type: z.literal('withdrawal'), ...external_flow });

export const transfer_event_schema = z
  .strictObject({
    ...envelope,
    type: z.literal('transfer'),
    asset: asset_code,
    amount: positive_amount,
    to_venue: name,
    to_account: name,
  })
  .refine((event) => event.to_venue !== event.venue || event.to_account !== event.account, {
    message: 'a transfer must go to a different venue account',
    path: ['to_account'],
  });

export const margin_event_schema = z.strictObject({
  ...envelope,
  type: z.literal('margin'),
  asset: asset_code,
  amount: positive_amount,
  action: z.enum(['lock', 'release']),
  instrument: instrument_schema.optional(),
});

export const income_event_schema = z.strictObject({
  ...envelope,
  type: z.literal('income'),
  asset: asset_code,
  amount: signed_amount,
  kind: z.enum(['rebate', 'referral', 'interest', 'airdrop', 'other']),
});

export const decision_event_schema = z.strictObject({
  ...envelope,
  type: z.literal('decision'),
  client_order_id: name,
  strategy: name,
  strategy_version: name,
  instrument: instrument_schema,
  side,
  quantity: positive_amount,
  signals: z
    .record(z.string().max(256), z.number().finite())
    .refine(
      (signals) => Object.keys(signals).length <= signals_per_decision_max,
      `at most ${signals_per_decision_max} signals`,
    ),
  rationale: z.string().max(text_length_max),
});

export const risk_check_event_schema = z.strictObject({
  ...envelope,
  type: z.literal('risk_check'),
  client_order_id: name,
  checks: z
    .array(z.strictObject({ name, value: z.number().finite(), limit: z.number().finite(), passed: z.boolean() }))
    .max(checks_per_risk_check_max),
  approved: z.boolean(),
});

export const order_event_schema = z.strictObject({
  ...envelope,
  type: z.literal('order'),
  client_order_id: name,
  order_id: name,
  status: z.enum(['new', 'partially_filled', 'filled', 'canceled', 'rejected', 'expired']),
  instrument: instrument_schema,
  side,
  quantity: positive_amount,
  price: positive_amount.optional(),
  order_type: name,
});

export const event_schema = z.discriminatedUnion('type', [
  trade_event_schema,
  funding_event_schema,
  settlement_event_schema,
  deposit_event_schema,
  withdrawal_event_schema,
  transfer_event_schema,
  margin_event_schema,
  income_event_schema,
  decision_event_schema,
  risk_check_event_schema,
  order_event_schema,
]);

export type KeelEvent = z.infer<typeof event_schema>;
export type EventType = KeelEvent['type'];
export type EventOf<T extends EventType> = Extract<KeelEvent, { type: T }>;
export type Instrument = z.infer<typeof instrument_schema>;
export const event_types = event_schema.options.map((option) => option.shape.type.value) as EventType[];

export type EventIssue = { path: string; message: string };
export type ParseResult = { ok: true; event: KeelEvent } | { ok: false; issues: EventIssue[] };

/**
 * Validates one event: the typed event, or every problem with its path (`fees.0.amount`). Total: it
 * never throws, whatever the input (deep nesting, NUL, lone surrogates, huge numbers included).
 */
export function parseEvent(input: unknown): ParseResult {
  const shape_issues = findUnstorableParts(input);
  const parsed = event_schema.safeParse(input);
  if (parsed.success && shape_issues.length === 0) return { ok: true, event: parsed.data };
  const schema_issues = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ path: issue.path.join('.') || '(event)', message: issue.message }));
  return { ok: false, issues: listed([...shape_issues, ...schema_issues]) };
}

/**
 * The first issues, each shortened and storable: a reason travels in a dead letter and an HTTP answer,
 * and a hostile event (20,000 bad fees, a key of a megabyte, a key holding NUL) must not make it
 * larger than the event, nor carry text PostgreSQL refuses.
 */
function listed(issues: EventIssue[]): EventIssue[] {
  const shorten = (text: string) => storableExcerpt(text, issue_text_length_max);
  const shown = issues
    .slice(0, event_issues_listed_max)
    .map((issue) => ({ path: shorten(issue.path), message: shorten(issue.message) }));
  if (issues.length > event_issues_listed_max)
    shown.push({ path: '(event)', message: `${issues.length - event_issues_listed_max} more problems not listed` });
  return shown;
}

export function describeIssues(issues: readonly EventIssue[]): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
}

/** Milliseconds since the epoch of an event's `time` (validated by the schema). */
export function eventTimeMs(event: Pick<KeelEvent, 'time'>): number {
  return Date.parse(event.time);
}
