// The platform area's one registry of coded errors: configuration (KEEL_ERR_CONFIG_*) and
// PostgreSQL, its URL and its migrations (KEEL_ERR_POSTGRES_*).
export const platform_error_codes = {
  /** A setting in the environment (or the API tokens file) is missing or wrong; the message names every one. */
  config_invalid: 'KEEL_ERR_CONFIG_INVALID',
  postgres_url_invalid: 'KEEL_ERR_POSTGRES_URL_INVALID',
  postgres_migration_name_invalid: 'KEEL_ERR_POSTGRES_MIGRATION_NAME_INVALID',
  postgres_migration_number_duplicate: 'KEEL_ERR_POSTGRES_MIGRATION_NUMBER_DUPLICATE',
  /** An applied migration's file was edited afterwards. */
  postgres_migration_checksum_mismatch: 'KEEL_ERR_POSTGRES_MIGRATION_CHECKSUM_MISMATCH',
  /** The database has a migration applied that is not among the files: the code is older than the database. */
  postgres_migration_missing: 'KEEL_ERR_POSTGRES_MIGRATION_MISSING',
  postgres_migration_failed: 'KEEL_ERR_POSTGRES_MIGRATION_FAILED',
  postgres_migrations_too_many: 'KEEL_ERR_POSTGRES_MIGRATIONS_TOO_MANY',
} as const;

export type PlatformErrorCode = (typeof platform_error_codes)[keyof typeof platform_error_codes];
