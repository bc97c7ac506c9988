// The CLI's one registry of coded errors. Wrong usage (and a bad configuration) exits with status 2
// (cli/main.ts); errors from the work a command does carry the code of the area that raised them.
export const cli_error_codes = {
  /** Wrong arguments: the message ends with the command's usage. */
  usage: 'KEEL_ERR_CLI_USAGE',
} as const;
