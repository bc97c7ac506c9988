// The audit area's coded errors: lot settings, prices, limits, and broken invariants of the lot
// engine. An invariant error means a bug in Keel, never bad input: bad input is reported in the
// lot report (missing basis, unpriced rows, conflicts), not thrown.
import { assertInvariant, KeelError } from '../platform/errors.js';

export const audit_error_codes = {
  settings_invalid: 'KEEL_ERR_AUDIT_SETTINGS_INVALID',
  price_invalid: 'KEEL_ERR_AUDIT_PRICE_INVALID',
  too_many_events: 'KEEL_ERR_AUDIT_TOO_MANY_EVENTS',
  too_many_prices: 'KEEL_ERR_AUDIT_TOO_MANY_PRICES',
  event_out_of_order: 'KEEL_ERR_AUDIT_EVENT_OUT_OF_ORDER',
  invariant_broken: 'KEEL_ERR_AUDIT_INVARIANT_BROKEN',
} as const;

export type AuditErrorCode = (typeof audit_error_codes)[keyof typeof audit_error_codes];

export function auditError(code: AuditErrorCode, message: string, options: { field?: string; cause?: unknown } = {}): KeelError {
  return new KeelError(code, message, options);
}

/** Asserts an invariant of the audit core; a failure is a bug, reported with its code. */
export function assertAudit(condition: boolean, message: string): asserts condition {
  assertInvariant(condition, audit_error_codes.invariant_broken, message);
}
