// API keys for a venue account: from the environment, or from a JSON file, never from arguments
// (they would show in `ps`). A key is never logged: `redactSecrets` removes every known secret from
// any text before it is logged or raised, and `Credentials` prints as "[redacted]".
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { connector_error_codes, connectorError } from './connector-errors.js';

export type Credentials = { readonly api_key: string; readonly secret: string; readonly password?: string | undefined };

const credentials_schema = z.strictObject({
  api_key: z.string().min(1).max(4096),
  secret: z.string().min(1).max(16_384),
  password: z.string().min(1).max(4096).optional(),
});
const credentials_file_schema = z.record(z.string().max(600), credentials_schema);

/** `KEEL_<VENUE>_<ACCOUNT>_` with every character outside A-Z 0-9 turned into `_`: `binance`/`spot-main` → `KEEL_BINANCE_SPOT_MAIN_`. */
export function credentialsEnvPrefix(venue: string, account: string): string {
  return `KEEL_${venue}_${account}_`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/**
 * The account's credentials: `<prefix>API_KEY`, `<prefix>SECRET` and optional `<prefix>PASSWORD`
 * from the environment; else the entry `"<venue>/<account>"` of the JSON file `KEEL_CREDENTIALS_FILE`
 * (`{"binance/spot-main": {"api_key": "…", "secret": "…"}}`); else undefined.
 */
export function loadCredentials(
  venue: string,
  account: string,
  env: Record<string, string | undefined>,
  file_path: string | undefined,
): Credentials | undefined {
  const prefix = credentialsEnvPrefix(venue, account);
  const api_key = env[`${prefix}API_KEY`];
  const secret = env[`${prefix}SECRET`];
  if (api_key && secret) return remember({ api_key, secret, password: env[`${prefix}PASSWORD`] || undefined });
  if (file_path === undefined) return undefined;
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file_path, 'utf8'));
  } catch (error) {
    throw connectorError(
      connector_error_codes.credentials_file_invalid,
      `credentials file ${file_path}: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  const parsed = credentials_file_schema.safeParse(document);
  // The issues name paths only: a message quoting a value could quote a secret.
  if (!parsed.success)
    throw connectorError(
      connector_error_codes.credentials_file_invalid,
      `credentials file ${file_path}: wrong shape at ${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')}`,
    );
  const entry = parsed.data[`${venue}/${account}`];
  return entry === undefined ? undefined : remember(entry);
}

export function requireCredentials(credentials: Credentials | undefined, venue: string, account: string): Credentials {
  if (credentials !== undefined) return credentials;
  const prefix = credentialsEnvPrefix(venue, account);
  throw connectorError(
    connector_error_codes.credentials_missing,
    `no API key for ${venue}/${account}: set ${prefix}API_KEY and ${prefix}SECRET (and ${prefix}PASSWORD where the venue has one), or KEEL_CREDENTIALS_FILE with an entry "${venue}/${account}"`,
  );
}

// Every secret loaded in this process, so that any text can be cleaned of all of them.
const known_secrets = new Set<string>();
const secret_length_min = 4;

function remember(credentials: Credentials): Credentials {
  for (const value of [credentials.api_key, credentials.secret, credentials.password]) {
    if (value !== undefined && value.length >= secret_length_min) known_secrets.add(value);
  }
  // A stray `JSON.stringify(credentials)` or `util.inspect` shows nothing of value.
  return Object.freeze(
    Object.defineProperties(
      { ...credentials },
      {
        toJSON: { value: () => '[redacted]', enumerable: false },
        [Symbol.for('nodejs.util.inspect.custom')]: { value: () => '[redacted credentials]', enumerable: false },
      },
    ),
  );
}

/** The text with every loaded secret, and ccxt's signed query parameters, replaced by `[redacted]`. */
export function redactSecrets(message: string): string {
  let cleaned = message;
  for (const secret of known_secrets) cleaned = cleaned.split(secret).join('[redacted]');
  // Signatures and keys that venues echo in URLs or headers.
  return cleaned.replace(
    /((?:signature|sign|apiKey|api_key|api-key|X-MBX-APIKEY|OK-ACCESS-KEY|X-BAPI-API-KEY|access_token)["']?\s*[=:]\s*["']?)[^&"'\s,}]+/gi,
    '$1[redacted]',
  );
}

/** A copy of an error safe to log or raise: message and stack cleaned of every secret. */
export function redactError(error: unknown): Error {
  const source = error instanceof Error ? error : new Error(String(error));
  const cleaned = new Error(redactSecrets(source.message));
  cleaned.name = source.name;
  cleaned.stack = redactSecrets(source.stack ?? '');
  const code = (source as { code?: unknown }).code;
  if (typeof code === 'string') Object.assign(cleaned, { code });
  return cleaned;
}
