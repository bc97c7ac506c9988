// The API's tokens: KEEL_API_TOKENS (parsed with the configuration) or KEEL_API_TOKENS_FILE, a JSON
// file `[{"name"?, "token", "scopes": ["read", …]}]` read here with the same rules. Problems are
// configuration errors naming the entry, never repeating a token.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { api_token_schema, type ApiToken, type Config } from '../platform/config.js';
import { platform_error_codes } from '../platform/platform-errors.js';
import { KeelError } from '../platform/errors.js';

const tokens_file_schema = z.array(api_token_schema).min(1, 'at least one token').max(1_000, 'at most 1000 tokens');

export function loadApiTokens(config: Pick<Config, 'api'>): ApiToken[] {
  const tokens = config.api.tokens_file === undefined ? config.api.tokens : readTokensFile(config.api.tokens_file);
  if (tokens.length === 0)
    throw new KeelError(
      platform_error_codes.config_invalid,
      'invalid configuration:\n  KEEL_API_TOKENS: the API needs at least one token (KEEL_API_TOKENS or KEEL_API_TOKENS_FILE)',
    );
  return tokens;
}

export function parseTokensFile(text: string, file_path: string): ApiToken[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeelError(
      platform_error_codes.config_invalid,
      `invalid configuration:\n  KEEL_API_TOKENS_FILE: ${file_path} is not valid JSON`,
    );
  }
  const parsed = tokens_file_schema.safeParse(json);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map(
        (issue) =>
          `KEEL_API_TOKENS_FILE: ${file_path} ${issue.path.length === 0 ? '' : `[${issue.path.join('.')}] `}${issue.message}`,
      );
  const tokens = (parsed.data ?? []).map((token, index) => ({
    name: token.name ?? `token-${index + 1}`,
    token: token.token,
    scopes: [...new Set(token.scopes)],
  }));
  if (new Set(tokens.map((token) => token.token)).size !== tokens.length)
    problems.push(`KEEL_API_TOKENS_FILE: ${file_path} lists the same token twice`);
  if (new Set(tokens.map((token) => token.name)).size !== tokens.length)
    problems.push(`KEEL_API_TOKENS_FILE: ${file_path} gives two tokens the same name`);
  if (problems.length > 0)
    throw new KeelError(platform_error_codes.config_invalid, `invalid configuration:\n  ${problems.join('\n  ')}`);
  return tokens;
}

function readTokensFile(file_path: string): ApiToken[] {
  let text: string;
  try {
    text = readFileSync(file_path, 'utf8');
  } catch (error) {
    throw new KeelError(
      platform_error_codes.config_invalid,
      `invalid configuration:\n  KEEL_API_TOKENS_FILE: cannot read ${file_path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  return parseTokensFile(text, file_path);
}
