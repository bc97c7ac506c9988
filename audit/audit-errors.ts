// The audit area's one registry of coded errors: lot settings, prices, limits, broken invariants of
// the lot engine, and the hash-chained audit log. An invariant error means a bug in Keel, never bad
// input: bad input is reported in the lot report (missing basis, unpriced rows, conflicts), not thrown.
import { assertInvariant, KeelError } from '../platform/errors.js';

export const audit_error_codes = {
  settings_invalid: 'KEEL_ERR_AUDIT_SETTINGS_INVALID',
  price_invalid: 'KEEL_ERR_AUDIT_PRICE_INVALID',
  too_many_events: 'KEEL_ERR_AUDIT_TOO_MANY_EVENTS',
  too_many_prices: 'KEEL_ERR_AUDIT_TOO_MANY_PRICES',
  event_out_of_order: 'KEEL_ERR_AUDIT_EVENT_OUT_OF_ORDER',
  invariant_broken: 'KEEL_ERR_AUDIT_INVARIANT_BROKEN',
  /** Raised by the database (migrations/0001_audit_store.sql): audit_log rows are never updated or deleted. */
  log_append_only: 'KEEL_ERR_AUDIT_LOG_APPEND_ONLY',
  /** Raised by the database: an inserted row does not extend the chain's head. */
  log_not_next: 'KEEL_ERR_AUDIT_LOG_NOT_NEXT',
  log_kind_invalid: 'KEEL_ERR_AUDIT_LOG_KIND_INVALID',
  log_payload_invalid: 'KEEL_ERR_AUDIT_LOG_PAYLOAD_INVALID',
  log_payload_too_large: 'KEEL_ERR_AUDIT_LOG_PAYLOAD_TOO_LARGE',
  log_batch_too_large: 'KEEL_ERR_AUDIT_LOG_BATCH_TOO_LARGE',
  log_row_invalid: 'KEEL_ERR_AUDIT_LOG_ROW_INVALID',
  /** `keel close`: the books are already closed through that date or a later one. */
  close_not_after_latest: 'KEEL_ERR_AUDIT_CLOSE_NOT_AFTER_LATEST',
  /** `keel reopen`: no open close through that date. */
  reopen_not_closed: 'KEEL_ERR_AUDIT_REOPEN_NOT_CLOSED',
  /** `keel reopen`: a later close stands; closes are reopened latest first. */
  reopen_not_latest: 'KEEL_ERR_AUDIT_REOPEN_NOT_LATEST',
  /** Logged, not thrown: PostgreSQL does not answer, and the consumer waits for it (its partition paused). */
  store_unavailable: 'KEEL_ERR_AUDIT_STORE_UNAVAILABLE',
  /** A quarantine reason: PostgreSQL refused to store the event (a data error, not unavailability). */
  event_unstorable: 'KEEL_ERR_AUDIT_EVENT_UNSTORABLE',
  /** A quarantine reason: a stored event no longer validates (stored before a stricter validation). */
  event_invalid: 'KEEL_ERR_AUDIT_EVENT_INVALID',
  quarantine_not_found: 'KEEL_ERR_AUDIT_QUARANTINE_NOT_FOUND',
  quarantine_still_invalid: 'KEEL_ERR_AUDIT_QUARANTINE_STILL_INVALID',
  quarantine_release_conflict: 'KEEL_ERR_AUDIT_QUARANTINE_RELEASE_CONFLICT',
} as const;

export type AuditErrorCode = (typeof audit_error_codes)[keyof typeof audit_error_codes];

export function auditError(
  code: AuditErrorCode,
  message: string,
  options: { field?: string; cause?: unknown } = {},
): KeelError {
  return new KeelError(code, message, options);
}

/** Asserts an invariant of the audit core; a failure is a bug, reported with its code. */
export function assertAudit(condition: boolean, message: string): asserts condition {
  assertInvariant(condition, audit_error_codes.invariant_broken, message);
}
