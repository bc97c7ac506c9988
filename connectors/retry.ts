// Which venue failures are worth waiting out, and how long to wait. Network errors, timeouts,
// outages and rate limits are retried with exponential back-off and full jitter (so that many
// connectors recovering at once do not hit the venue in step); refused credentials and other
// exchange errors are not: retrying would only repeat them.
import ccxt from 'ccxt';
import { isKeelError } from '../platform/errors.js';
import { connector_error_codes, connectorError } from './connector-errors.js';
import type { ConnectorErrorKind } from './connector-metrics.js';
import { redactError } from './credentials.js';

export type RetryPolicy = { attempts_max: number; backoff_ms_min: number; backoff_ms_max: number };
export const default_retry_policy: RetryPolicy = { attempts_max: 10, backoff_ms_min: 500, backoff_ms_max: 60_000 };

export type RetryEnvironment = { sleep: (duration_ms: number) => Promise<void>; random: () => number };
export const real_retry_environment: RetryEnvironment = {
  sleep: (duration_ms) => new Promise((resolve) => setTimeout(resolve, duration_ms)),
  random: Math.random,
};

export function classifyError(error: unknown): { kind: ConnectorErrorKind; retry: boolean } {
  if (
    error instanceof ccxt.AuthenticationError ||
    error instanceof ccxt.PermissionDenied ||
    error instanceof ccxt.AccountSuspended
  )
    return { kind: 'credentials', retry: false };
  if (error instanceof ccxt.RateLimitExceeded || error instanceof ccxt.DDoSProtection)
    return { kind: 'rate_limit', retry: true };
  if (error instanceof ccxt.ExchangeNotAvailable || error instanceof ccxt.OnMaintenance)
    return { kind: 'outage', retry: true };
  if (error instanceof ccxt.NetworkError) return { kind: 'network', retry: true };
  if (error instanceof ccxt.ExchangeError || error instanceof ccxt.BaseError) return { kind: 'exchange', retry: false };
  return { kind: 'other', retry: false };
}

/** The wait before attempt `attempt + 1`: min × 2^attempt, capped, times a random factor in [0.5, 1). */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling_ms = Math.min(policy.backoff_ms_max, policy.backoff_ms_min * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling_ms * (0.5 + random() / 2));
}

export async function withRetry<T>(
  work: () => Promise<T>,
  what: string,
  policy: RetryPolicy,
  environment: RetryEnvironment,
  on_error: (kind: ConnectorErrorKind, error: Error, retry_in_ms: number | null) => void,
): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (isKeelError(error)) throw error;
      const { kind, retry } = classifyError(error);
      const safe = redactError(error);
      const last = !retry || attempt + 1 >= policy.attempts_max;
      const retry_in_ms = last ? null : backoffMs(attempt, policy, environment.random);
      on_error(kind, safe, retry_in_ms);
      if (kind === 'credentials') {
        throw connectorError(
          connector_error_codes.credentials_rejected,
          `${what}: the venue refused the API key (check the key, the secret, its read permissions and IP allow-list): ${safe.message}`,
          { cause: safe },
        );
      }
      if (!retry) throw connectorError(connector_error_codes.venue_error, `${what}: ${safe.message}`, { cause: safe });
      if (retry_in_ms === null)
        throw connectorError(
          connector_error_codes.venue_unavailable,
          `${what}: still failing after ${policy.attempts_max} attempts: ${safe.message}`,
          { cause: safe },
        );
      await environment.sleep(retry_in_ms);
    }
  }
}
