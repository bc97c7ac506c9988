// The connectors' coded errors (KEEL_ERR_CONNECTOR_*): one registry for the whole area, so that an
// operator can act on a code whatever venue raised it. Messages never carry credentials: every
// error built here goes through `redactSecrets` first (see credentials.ts).
import { KeelError } from '../platform/errors.js';

export const connector_error_codes = {
  /** A venue name that is not in the venue registry. */
  venue_unknown: 'KEEL_ERR_CONNECTOR_VENUE_UNKNOWN',
  /** A stream the venue (or ccxt for it) does not offer. */
  stream_unsupported: 'KEEL_ERR_CONNECTOR_STREAM_UNSUPPORTED',
  /** The venue refused the API key (wrong key, wrong secret, missing permission, wrong IP). */
  credentials_rejected: 'KEEL_ERR_CONNECTOR_CREDENTIALS_REJECTED',
  /** No API key was found in the environment or the credentials file. */
  credentials_missing: 'KEEL_ERR_CONNECTOR_CREDENTIALS_MISSING',
  /** The credentials file could not be read or has the wrong shape. */
  credentials_file_invalid: 'KEEL_ERR_CONNECTOR_CREDENTIALS_FILE_INVALID',
  /** One venue record could not be turned into a canonical event: dead-lettered, the page goes on. */
  record_malformed: 'KEEL_ERR_CONNECTOR_RECORD_MALFORMED',
  /** An amount that cannot be expressed exactly as a decimal string (never rounded). */
  amount_inexact: 'KEEL_ERR_CONNECTOR_AMOUNT_INEXACT',
  /** A page that brings nothing new while being full: paging would loop forever. */
  page_stalled: 'KEEL_ERR_CONNECTOR_PAGE_STALLED',
  /** The venue stayed unreachable (network, outage, rate limit) through every retry. */
  venue_unavailable: 'KEEL_ERR_CONNECTOR_VENUE_UNAVAILABLE',
  /** The venue answered with an error that retrying will not fix. */
  venue_error: 'KEEL_ERR_CONNECTOR_VENUE_ERROR',
  /** Replay: a request with no recorded response (proves that nothing reached the network). */
  replay_unexpected_request: 'KEEL_ERR_CONNECTOR_REPLAY_UNEXPECTED_REQUEST',
  /** Replay: a recording file that cannot be read or has the wrong shape. */
  replay_recording_invalid: 'KEEL_ERR_CONNECTOR_REPLAY_RECORDING_INVALID',
  /** A stored cursor that cannot be read back. */
  cursor_invalid: 'KEEL_ERR_CONNECTOR_CURSOR_INVALID',
  /** Reconciliation could not compare (an asset unknown to the registry, a ledger error, more assets than one comparison holds). */
  reconcile_failed: 'KEEL_ERR_CONNECTOR_RECONCILE_FAILED',
} as const;

export type ConnectorErrorCode = (typeof connector_error_codes)[keyof typeof connector_error_codes];

export function connectorError(
  code: ConnectorErrorCode,
  message: string,
  options: { field?: string; cause?: unknown } = {},
): KeelError {
  return new KeelError(code, message, options);
}
