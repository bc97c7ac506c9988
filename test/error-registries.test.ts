// The coded-error convention (DESIGN.md §8): each area keeps ONE registry, `<area>/<area>-errors.ts`,
// and every code in it is `KEEL_ERR_<AREA>_<WHAT>` and unique across Keel. Codes are a contract with
// operators, the DLQ and HTTP clients, so a duplicate or a code declared outside a registry is refused.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const skipped_directories = new Set(['node_modules', 'dist', '.git', '.cache', 'test-support']);
const code_pattern = /^KEEL_ERR_[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;

/** The AREA part each folder's codes may use (platform holds configuration, PostgreSQL, input files and canonical JSON). */
const code_areas: Record<string, string[]> = {
  api: ['API'],
  audit: ['AUDIT'],
  cli: ['CLI'],
  connectors: ['CONNECTOR'],
  engine: ['ENGINE'],
  ledger: ['LEDGER'],
  platform: ['CONFIG', 'POSTGRES', 'INPUT', 'JSON'],
  reports: ['REPORT'],
};

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory())
      return skipped_directories.has(entry.name) || entry.name.startsWith('.')
        ? []
        : sourceFiles(join(directory, entry.name));
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [join(directory, entry.name)] : [];
  });
}

const registry_files = sourceFiles(root).filter((file) => file.endsWith('-errors.ts'));

/** Each registry's codes: the values of its exported `*_error_codes` object (or the API's `{code, status}` entries). */
async function registryCodes(file: string): Promise<{ exports: string[]; codes: string[] }> {
  const module_exports = (await import(file)) as Record<string, unknown>;
  const registries = Object.entries(module_exports).filter(
    ([name]) => name.endsWith('_error_codes') || name === 'api_errors',
  );
  const codes = registries.flatMap(([, registry]) =>
    Object.values(registry as Record<string, string | { code: string }>).map((entry) =>
      typeof entry === 'string' ? entry : entry.code,
    ),
  );
  return { exports: registries.map(([name]) => name), codes };
}

describe('error registries', () => {
  it('one registry per area, named for it, and no other', () => {
    const found = registry_files.map((file) => relative(root, file).split('/'));
    expect(
      found.every((parts) => parts.length === 2),
      `registries sit at <area>/<area>-errors.ts: ${found.map((parts) => parts.join('/')).join(', ')}`,
    ).toBe(true);
    expect(found.map(([area]) => area).sort()).toEqual(Object.keys(code_areas).sort());
  });

  it("every code is KEEL_ERR_<AREA>_<WHAT> with its registry's area, and unique across Keel", async () => {
    const seen = new Map<string, string>();
    for (const file of registry_files) {
      const area = relative(root, file).split('/')[0]!;
      const { exports, codes } = await registryCodes(file);
      expect(exports, `${area}: one exported registry`).toHaveLength(1);
      expect(codes.length, `${area}: codes`).toBeGreaterThan(0);
      for (const code of codes) {
        expect(code, `${area}: ${code}`).toMatch(code_pattern);
        expect(
          code_areas[area]!.some((prefix) => code.startsWith(`KEEL_ERR_${prefix}_`)),
          `${code} belongs to ${area}`,
        ).toBe(true);
        expect(seen.get(code), `${code} is declared twice`).toBeUndefined();
        seen.set(code, area);
      }
    }
  });

  it('codes are declared only in the registries: source and migrations name registered codes', async () => {
    const registered = new Set(
      (await Promise.all(registry_files.map(registryCodes))).flatMap((registry) => registry.codes),
    );
    const literal = /['"`](KEEL_ERR_[A-Z0-9_]*[A-Z0-9])['"`]/g;
    const strays = sourceFiles(root)
      .filter((file) => !registry_files.includes(file))
      .flatMap((file) =>
        [...readFileSync(file, 'utf8').matchAll(literal)].map((match) => `${relative(root, file)}: ${match[1]}`),
      );
    expect(strays, "a code written out in source belongs in its area's registry").toEqual([]);

    const migrations = join(root, 'migrations');
    const raised_by_database = readdirSync(migrations)
      .filter((name) => name.endsWith('.sql'))
      .flatMap((name) =>
        [...readFileSync(join(migrations, name), 'utf8').matchAll(/KEEL_ERR_[A-Z0-9_]*[A-Z0-9]/g)].map(
          (match) => match[0],
        ),
      );
    expect(raised_by_database.length).toBeGreaterThan(0);
    expect(raised_by_database.filter((code) => !registered.has(code))).toEqual([]);
  });
});
