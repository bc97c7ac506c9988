// The ledger area's coded errors: money parsing, the asset registry, ids and adapters.
import { KeelError } from '../platform/errors.js';

export const ledger_error_codes = {
  amount_malformed: 'KEEL_ERR_LEDGER_AMOUNT_MALFORMED',
  amount_too_precise: 'KEEL_ERR_LEDGER_AMOUNT_TOO_PRECISE',
  amount_out_of_range: 'KEEL_ERR_LEDGER_AMOUNT_OUT_OF_RANGE',
  amount_negative: 'KEEL_ERR_LEDGER_AMOUNT_NEGATIVE',
  asset_unknown: 'KEEL_ERR_LEDGER_ASSET_UNKNOWN',
  asset_registry_invalid: 'KEEL_ERR_LEDGER_ASSET_REGISTRY_INVALID',
  instrument_ledger_collision: 'KEEL_ERR_LEDGER_INSTRUMENT_LEDGER_COLLISION',
  account_rejected: 'KEEL_ERR_LEDGER_ACCOUNT_REJECTED',
  batch_too_large: 'KEEL_ERR_LEDGER_BATCH_TOO_LARGE',
  request_timeout: 'KEEL_ERR_LEDGER_REQUEST_TIMEOUT',
  unreachable: 'KEEL_ERR_LEDGER_UNREACHABLE',
  journal_corrupt: 'KEEL_ERR_LEDGER_JOURNAL_CORRUPT',
  journal_locked: 'KEEL_ERR_LEDGER_JOURNAL_LOCKED',
  /** The embedded ledger broke one of its own invariants: a bug in Keel, never retried as an outage. */
  invariant_broken: 'KEEL_ERR_LEDGER_INVARIANT_BROKEN',
  /** The embedded ledger reached one of its fixed limits (ledger/embedded/limits.ts): accounts, transfers or burned ids. */
  embedded_full: 'KEEL_ERR_LEDGER_EMBEDDED_FULL',
} as const;

export type LedgerErrorCode = (typeof ledger_error_codes)[keyof typeof ledger_error_codes];

export function ledgerError(code: LedgerErrorCode, message: string, options: { field?: string; cause?: unknown } = {}) {
  return new KeelError(code, message, options);
}
