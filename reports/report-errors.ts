// The reports area's one registry of coded errors (KEEL_ERR_REPORT_*): what a report or an export
// is asked to cover. What the data lacks (unpriced rows, missing basis) is printed in the report,
// never thrown.
import { KeelError } from '../platform/errors.js';

export const report_error_codes = {
  /** A report period whose ends are not ISO-8601 UTC times with milliseconds, or that ends before it starts. */
  period_invalid: 'KEEL_ERR_REPORT_PERIOD_INVALID',
  /** A tax year outside 1970..9998 (the year after it must still be a four-digit year). */
  tax_year_invalid: 'KEEL_ERR_REPORT_TAX_YEAR_INVALID',
} as const;

export type ReportErrorCode = (typeof report_error_codes)[keyof typeof report_error_codes];

export function reportError(
  code: ReportErrorCode,
  message: string,
  options: { field?: string; cause?: unknown } = {},
): KeelError {
  return new KeelError(code, message, options);
}
