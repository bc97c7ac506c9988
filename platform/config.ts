// Configuration comes from environment variables only, validated once at start-up: a process with
// a bad setting stops before doing anything, and says every problem at once, by variable name.
import { z } from 'zod';
import { KeelError } from './errors.js';
import { platform_error_codes } from './platform-errors.js';

const log_levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const u128_decimal = z
  .string()
  .regex(/^\d{1,39}$/, 'a whole number')
  .transform((text) => BigInt(text))
  .refine((value) => value < 1n << 128n, 'must fit in 128 bits');

/** Kafka's own rule for topic names. */
const topic_name = z.string().regex(/^[a-zA-Z0-9._-]{1,249}$/, 'a Kafka topic name: letters, digits, . _ -');

/** What an API token may do (api/): `read` the /v1 GETs, `write` POST /v1/events, `metrics` GET /metrics. */
export const api_scopes = ['read', 'write', 'metrics'] as const;
export type ApiScope = (typeof api_scopes)[number];
export type ApiToken = { name: string; token: string; scopes: ApiScope[] };
export const api_token_length_min = 16;

/** One configured API token; messages never repeat the token itself. */
export const api_token_schema = z.strictObject({
  name: z
    .string()
    .regex(/^[\w.-]{1,64}$/, 'a name of 1 to 64 letters, digits, _ . -')
    .optional(),
  token: z
    .string()
    .min(api_token_length_min, `a token must have at least ${api_token_length_min} characters`)
    .max(512, 'a token must have at most 512 characters')
    .regex(/^[\x21-\x7e]+$/, 'a token is visible ASCII characters only'),
  scopes: z.array(z.enum(api_scopes)).min(1, 'at least one scope'),
});

/** `token:scope+scope,token2:read` (KEEL_API_TOKENS); the scopes follow the last ':'. */
const api_tokens_text = z.string().transform((text, context) => {
  const tokens = text.split(',').map((item, index) => {
    const colon = item.lastIndexOf(':');
    const parsed = api_token_schema.safeParse({
      token: colon < 0 ? item : item.slice(0, colon),
      scopes: colon < 0 ? [] : item.slice(colon + 1).split('+'),
    });
    for (const issue of parsed.success ? [] : parsed.error.issues)
      context.addIssue({ code: 'custom', message: `token ${index + 1}: ${issue.message}` });
    return parsed.success
      ? { name: `token-${index + 1}`, token: parsed.data.token, scopes: [...new Set(parsed.data.scopes)] }
      : null;
  });
  // Only valid entries are compared: two bad ones are not "the same token" (each is reported above).
  const valid = tokens.filter((token) => token !== null);
  if (new Set(valid.map((token) => token.token)).size !== valid.length)
    context.addIssue({ code: 'custom', message: 'the same token is listed twice' });
  return valid;
});

const env_schema = z
  .object({
    KEEL_LEDGER: z.enum(['embedded', 'tigerbeetle']).default('embedded'),
    KEEL_DATA_DIR: z.string().min(1).default('.keel'),
    KEEL_ASSETS_FILE: z.string().min(1).optional(),
    KEEL_LOG_LEVEL: z.enum(log_levels).default('info'),
    TB_ADDRESS: z
      .string()
      .regex(/^[\w.:-]+(,[\w.:-]+)*$/, 'comma-separated host:port or port list, e.g. 127.0.0.1:3000')
      .optional(),
    TB_CLUSTER_ID: u128_decimal.default(0n),
    TB_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(5_000),
    KAFKA_BROKERS: z
      .string()
      .regex(/^[\w.-]+:\d+(,[\w.-]+:\d+)*$/, 'comma-separated host:port list, e.g. 127.0.0.1:19092')
      .default('127.0.0.1:19092'),
    KAFKA_CLIENT_ID: z.string().min(1).max(128).default('keel'),
    KEEL_EVENTS_TOPIC: topic_name.default('keel.events'),
    KEEL_DLQ_TOPIC: topic_name.default('keel.events.dlq'),
    KEEL_EVENTS_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(6),
    KEEL_ENGINE_GROUP: z.string().min(1).max(249).default('keel-engine'),
    KEEL_TRADE_RECORDS_TOPIC: topic_name.default('keel.trade-records'),
    KEEL_AUDIT_GROUP: z.string().min(1).max(249).default('keel-audit'),
    KEEL_AUDIT_SEAL_INTERVAL_MS: z.coerce.number().int().min(0).max(3_600_000).default(0),
    KEEL_AUDIT_SESSION_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(300_000).default(30_000),
    KEEL_ENGINE_SESSION_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(300_000).default(30_000),
    KEEL_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    KEEL_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(9464),
    DATABASE_URL: z
      .string()
      .refine(
        (url) => /^postgres(ql)?:\/\//.test(url) && URL.canParse(url),
        'a PostgreSQL URL, e.g. postgres://keel@127.0.0.1:15432/keel',
      )
      .default('postgres://keel@127.0.0.1:15432/keel'),
    KEEL_CREDENTIALS_FILE: z.string().min(1).optional(),
    KEEL_CONNECT_POLL_INTERVAL_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(60_000),
    KEEL_API_HOST: z.string().min(1).default('127.0.0.1'),
    KEEL_API_PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
    KEEL_API_TOKENS: api_tokens_text.optional(),
    KEEL_API_TOKENS_FILE: z.string().min(1).optional(),
    KEEL_API_BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .min(1_024)
      .max(16 * 1024 * 1024)
      .default(1024 * 1024),
    KEEL_API_WRITES_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(120),
    KEEL_API_READS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(1_200),
    KEEL_ACTOR: z.string().min(1).max(400).optional(),
  })
  .superRefine((env, context) => {
    if (env.KEEL_LEDGER === 'tigerbeetle' && env.TB_ADDRESS === undefined) {
      context.addIssue({ code: 'custom', path: ['TB_ADDRESS'], message: 'required when KEEL_LEDGER=tigerbeetle' });
    }
    if (env.KEEL_API_TOKENS !== undefined && env.KEEL_API_TOKENS_FILE !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['KEEL_API_TOKENS_FILE'],
        message: 'set KEEL_API_TOKENS or KEEL_API_TOKENS_FILE, not both',
      });
    }
  });

export type Config = {
  ledger: 'embedded' | 'tigerbeetle';
  data_dir: string;
  assets_file: string | undefined;
  log_level: (typeof log_levels)[number];
  tigerbeetle: { replica_addresses: string[]; cluster_id: bigint; request_timeout_ms: number };
  kafka: { brokers: string[]; client_id: string; events_topic: string; dlq_topic: string; events_partitions: number };
  engine: { group_id: string; session_timeout_ms: number };
  audit: { group_id: string; trade_records_topic: string; seal_interval_ms: number; session_timeout_ms: number };
  metrics: { host: string; port: number };
  database: { url: string };
  /** Venue connectors: where API keys may be kept (else the environment), and how often to poll once caught up. */
  connectors: { credentials_file: string | undefined; poll_interval_ms: number };
  /** The HTTP API (`keel api`): tokens from KEEL_API_TOKENS here; a KEEL_API_TOKENS_FILE is read by the command (api/api-tokens.ts). */
  api: {
    host: string;
    port: number;
    tokens: ApiToken[];
    tokens_file: string | undefined;
    body_limit_bytes: number;
    writes_per_minute: number;
    reads_per_minute: number;
  };
  /** Who runs a recorded action (`keel close`, `keel reopen`); unset: the OS user and host. */
  actor: string | undefined;
};

/** The configuration from `env`, or a KeelError listing every problem with its variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = env_schema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new KeelError(platform_error_codes.config_invalid, `invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const settings = parsed.data;
  return {
    ledger: settings.KEEL_LEDGER,
    data_dir: settings.KEEL_DATA_DIR,
    assets_file: settings.KEEL_ASSETS_FILE,
    log_level: settings.KEEL_LOG_LEVEL,
    tigerbeetle: {
      replica_addresses: settings.TB_ADDRESS?.split(',') ?? [],
      cluster_id: settings.TB_CLUSTER_ID,
      request_timeout_ms: settings.TB_REQUEST_TIMEOUT_MS,
    },
    kafka: {
      brokers: settings.KAFKA_BROKERS.split(','),
      client_id: settings.KAFKA_CLIENT_ID,
      events_topic: settings.KEEL_EVENTS_TOPIC,
      dlq_topic: settings.KEEL_DLQ_TOPIC,
      events_partitions: settings.KEEL_EVENTS_PARTITIONS,
    },
    engine: { group_id: settings.KEEL_ENGINE_GROUP, session_timeout_ms: settings.KEEL_ENGINE_SESSION_TIMEOUT_MS },
    audit: {
      group_id: settings.KEEL_AUDIT_GROUP,
      trade_records_topic: settings.KEEL_TRADE_RECORDS_TOPIC,
      seal_interval_ms: settings.KEEL_AUDIT_SEAL_INTERVAL_MS,
      session_timeout_ms: settings.KEEL_AUDIT_SESSION_TIMEOUT_MS,
    },
    metrics: { host: settings.KEEL_METRICS_HOST, port: settings.KEEL_METRICS_PORT },
    database: { url: settings.DATABASE_URL },
    connectors: {
      credentials_file: settings.KEEL_CREDENTIALS_FILE,
      poll_interval_ms: settings.KEEL_CONNECT_POLL_INTERVAL_MS,
    },
    api: {
      host: settings.KEEL_API_HOST,
      port: settings.KEEL_API_PORT,
      tokens: settings.KEEL_API_TOKENS ?? [],
      tokens_file: settings.KEEL_API_TOKENS_FILE,
      body_limit_bytes: settings.KEEL_API_BODY_LIMIT_BYTES,
      writes_per_minute: settings.KEEL_API_WRITES_PER_MINUTE,
      reads_per_minute: settings.KEEL_API_READS_PER_MINUTE,
    },
    actor: settings.KEEL_ACTOR,
  };
}

/** An empty variable means "not set": `KEEL_LEDGER= keel post` should fall back to the default. */
function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
}
