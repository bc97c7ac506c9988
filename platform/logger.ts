// Structured logs (pino) on stderr, so that a command's stdout carries only its result and can be
// piped into another program. Secrets are redacted by path wherever they might appear, and URLs
// are logged without their query string (a client may put a token there: `?access_token=…`).
import { pino, type Logger } from 'pino';

export type { Logger };

const redacted_paths = [
  '*.api_key',
  '*.secret',
  '*.password',
  '*.token',
  'headers.authorization',
  '*.headers.authorization',
];

export function createLogger(level: string, name = 'keel'): Logger {
  return pino({ name, level, redact: { paths: redacted_paths, censor: '[redacted]' } }, pino.destination(2));
}

/** A URL fit for a log line: the query string is replaced, since any parameter may carry a credential. */
export function redactQuery(url: string): string {
  const query_start = url.indexOf('?');
  return query_start < 0 ? url : `${url.slice(0, query_start)}?[redacted]`;
}
