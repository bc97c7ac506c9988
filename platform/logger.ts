// Structured logs (pino) on stderr, so that a command's stdout carries only its result and can be
// piped into another program. Secrets are redacted by path wherever they might appear.
import { pino, type Logger } from 'pino';

export type { Logger };

const redacted_paths = ['*.api_key', '*.secret', '*.password', '*.token', 'headers.authorization', '*.headers.authorization'];

export function createLogger(level: string, name = 'keel'): Logger {
  return pino({ name, level, redact: { paths: redacted_paths, censor: '[redacted]' } }, pino.destination(2));
}
