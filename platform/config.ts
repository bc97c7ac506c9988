// Configuration comes from environment variables only, validated once at start-up: a process with
// a bad setting stops before doing anything, and says every problem at once, by variable name.
import { z } from 'zod';
import { KeelError } from './errors.js';

export const config_error_codes = { invalid: 'KEEL_ERR_CONFIG_INVALID' } as const;

const log_levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const u128_decimal = z
  .string()
  .regex(/^\d{1,39}$/, 'a whole number')
  .transform((text) => BigInt(text))
  .refine((value) => value < 1n << 128n, 'must fit in 128 bits');

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
  })
  .superRefine((env, context) => {
    if (env.KEEL_LEDGER === 'tigerbeetle' && env.TB_ADDRESS === undefined) {
      context.addIssue({ code: 'custom', path: ['TB_ADDRESS'], message: 'required when KEEL_LEDGER=tigerbeetle' });
    }
  });

export type Config = {
  ledger: 'embedded' | 'tigerbeetle';
  data_dir: string;
  assets_file: string | undefined;
  log_level: (typeof log_levels)[number];
  tigerbeetle: { replica_addresses: string[]; cluster_id: bigint; request_timeout_ms: number };
};

/** The configuration from `env`, or a KeelError listing every problem with its variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = env_schema.safeParse(withoutEmpty(env));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new KeelError(config_error_codes.invalid, `invalid configuration:\n  ${problems.join('\n  ')}`);
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
  };
}

/** An empty variable means "not set": `KEEL_LEDGER= keel post` should fall back to the default. */
function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
}
