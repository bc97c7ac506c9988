// The platform area's one registry of coded errors: configuration (KEEL_ERR_CONFIG_*), PostgreSQL,
// its URL and its migrations (KEEL_ERR_POSTGRES_*), input files (KEEL_ERR_INPUT_*) and canonical
// JSON (KEEL_ERR_JSON_*).
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
  /** An input file (events, prices, a registry) that is not there, is a directory, or cannot be read. */
  input_file_not_found: 'KEEL_ERR_INPUT_FILE_NOT_FOUND',
  input_not_a_file: 'KEEL_ERR_INPUT_NOT_A_FILE',
  input_file_unreadable: 'KEEL_ERR_INPUT_FILE_UNREADABLE',
  /** A value nested deeper than canonical JSON writes (events are held to far less at validation). */
  json_too_deep: 'KEEL_ERR_JSON_TOO_DEEP',
} as const;

export type PlatformErrorCode = (typeof platform_error_codes)[keyof typeof platform_error_codes];
