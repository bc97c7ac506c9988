// The API's configuration: KEEL_API_* variables, tokens inline or from a file, and that no message
// ever repeats a token.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadApiTokens, parseTokensFile } from '../../api/api-tokens.js';
import { loadConfig } from '../../platform/config.js';

function configError(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    expect((error as { code?: string }).code).toBe('KEEL_ERR_CONFIG_INVALID');
    return (error as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('API configuration', () => {
  it('defaults to 127.0.0.1:8080, 1 MiB bodies, 120 writes and 1200 reads a minute, and no tokens', () => {
    expect(loadConfig({}).api).toEqual({
      host: '127.0.0.1',
      port: 8080,
      tokens: [],
      tokens_file: undefined,
      body_limit_bytes: 1_048_576,
      writes_per_minute: 120,
      reads_per_minute: 1_200,
    });
  });

  it('reads KEEL_API_TOKENS as token:scope+scope,…', () => {
    const config = loadConfig({
      KEEL_API_TOKENS: 'aaaaaaaaaaaaaaaa1:read+write,bbbbbbbbbbbbbbbb2:metrics',
      KEEL_API_PORT: '9090',
      KEEL_API_HOST: '0.0.0.0',
    });
    expect(config.api.tokens).toEqual([
      { name: 'token-1', token: 'aaaaaaaaaaaaaaaa1', scopes: ['read', 'write'] },
      { name: 'token-2', token: 'bbbbbbbbbbbbbbbb2', scopes: ['metrics'] },
    ]);
    expect(config.api).toMatchObject({ host: '0.0.0.0', port: 9090 });
    expect(loadApiTokens(config)).toHaveLength(2);
  });

  it('refuses a token under 16 characters, an unknown scope, a token listed twice, without repeating the tokens', () => {
    const short = configError(() => loadConfig({ KEEL_API_TOKENS: 'short-secret:read' }));
    expect(short).toContain('KEEL_API_TOKENS');
    expect(short).toContain('at least 16 characters');
    expect(short).not.toContain('short-secret');
    const scope = configError(() => loadConfig({ KEEL_API_TOKENS: 'aaaaaaaaaaaaaaaa1:read+admin' }));
    expect(scope).toContain('token 1');
    expect(scope).not.toContain('aaaaaaaaaaaaaaaa1');
    expect(configError(() => loadConfig({ KEEL_API_TOKENS: 'aaaaaaaaaaaaaaaa1' }))).toContain('at least one scope');
    expect(
      configError(() => loadConfig({ KEEL_API_TOKENS: 'aaaaaaaaaaaaaaaa1:read,aaaaaaaaaaaaaaaa1:write' })),
    ).toContain('twice');
    // Two bad entries are each reported, and not as one token listed twice.
    const two_bad = configError(() =>
      loadConfig({ KEEL_API_TOKENS: 'short-one:read,short-two:write,bbbbbbbbbbbbbbbb2:read' }),
    );
    expect(two_bad).toMatch(
      /token 1: a token must have at least 16 characters[\s\S]*token 2: a token must have at least 16 characters/,
    );
    expect(two_bad).not.toContain('twice');
    expect(
      configError(() => loadConfig({ KEEL_API_TOKENS: 'aaaaaaaaaaaaaaaa1:read', KEEL_API_TOKENS_FILE: '/x.json' })),
    ).toContain('not both');
    expect(configError(() => loadConfig({ KEEL_API_PORT: '70000', KEEL_API_BODY_LIMIT_BYTES: '10' }))).toMatch(
      /KEEL_API_PORT[\s\S]*KEEL_API_BODY_LIMIT_BYTES/,
    );
  });

  it('reads KEEL_API_TOKENS_FILE with the same rules', () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-api-tokens-'));
    const file = join(directory, 'tokens.json');
    writeFileSync(
      file,
      JSON.stringify([
        { name: 'grafana', token: 'g'.repeat(32), scopes: ['metrics'] },
        { token: 'r'.repeat(20), scopes: ['read', 'read'] },
      ]),
    );
    expect(loadApiTokens(loadConfig({ KEEL_API_TOKENS_FILE: file }))).toEqual([
      { name: 'grafana', token: 'g'.repeat(32), scopes: ['metrics'] },
      { name: 'token-2', token: 'r'.repeat(20), scopes: ['read'] },
    ]);
    const problems = configError(() =>
      parseTokensFile(JSON.stringify([{ token: 'tiny-secret', scopes: [] }]), 'tokens.json'),
    );
    expect(problems).toContain('[0.token]');
    expect(problems).toContain('[0.scopes]');
    expect(problems).not.toContain('tiny-secret');
    expect(configError(() => parseTokensFile('{not json', 'tokens.json'))).toContain('not valid JSON');
    expect(
      configError(() => loadApiTokens(loadConfig({ KEEL_API_TOKENS_FILE: join(directory, 'missing.json') }))),
    ).toContain('ENOENT');
  });

  it('needs at least one token to serve', () => {
    expect(configError(() => loadApiTokens(loadConfig({})))).toContain('at least one token');
  });
});
