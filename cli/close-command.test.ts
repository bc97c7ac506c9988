// `keel close` and `keel reopen` end to end: child processes against a fresh database on the real
// server; exit codes, coded usage errors naming the option, refusals, and the audit entries.
import { hostname, userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeel } from '../test/support/run-keel.js';
import { createTestDatabase, type TestDatabase } from '../test/support/postgres-test-kit.js';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
});

afterAll(async () => {
  await database?.drop();
});

const keel = (args: string[], env: Record<string, string | undefined> = {}) =>
  runKeel(args, { DATABASE_URL: database.url, KEEL_ACTOR: 'alice', ...env });

async function entries(): Promise<{ kind: string; entry: Record<string, unknown> }[]> {
  const { rows } = await database.pool.query<{ kind: string; entry: Record<string, unknown> }>(
    `select kind, entry from audit_log where kind like 'period_%' order by sequence`,
  );
  return rows;
}

describe('keel close / keel reopen (real PostgreSQL)', () => {
  it('refuses wrong usage with exit 2 and a coded error naming the option', async () => {
    const cases: [string[], RegExp][] = [
      [['close', '--reason', 'month end'], /--through DATE is required/],
      [
        ['close', '--through', '2024-02-30', '--reason', 'month end'],
        /--through must be a date YYYY-MM-DD, got '2024-02-30'/,
      ],
      [['close', '--through', '31/01/2024', '--reason', 'month end'], /--through must be a date/],
      [['close', '--through', '2024-01-31'], /--reason TEXT is required/],
      [['reopen', '--through', '2024-01-31', '--reason', '  '], /--reason TEXT is required/],
      [['close', '--through', '2024-01-31', '--reason', 'x', '--force'], /Unknown option '--force'/],
    ];
    for (const [args, message] of cases) {
      const run = await keel(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain('KEEL_ERR_CLI_USAGE');
      expect(run.stderr).toMatch(message);
    }
    expect(await entries()).toEqual([]);
  }, 120_000);

  it('closes with who, why and the highest store id, refuses an earlier close, reopens latest first', async () => {
    const closed = await keel(['close', '--through', '2024-01-31', '--reason', 'January books']);
    expect(closed.code, closed.stderr).toBe(0);
    const close = JSON.parse(closed.stdout) as { closed: Record<string, unknown>; audit_sequence: number };
    expect(close.closed).toMatchObject({
      through_date: '2024-01-31',
      through_ms: Date.parse('2024-02-01T00:00:00.000Z') - 1,
      reason: 'January books',
      closed_by: 'alice',
      store_id_max: 0,
    });

    const again = await keel(['close', '--through', '2024-01-15', '--reason', 'mid January']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('KEEL_ERR_AUDIT_CLOSE_NOT_AFTER_LATEST');

    // Without KEEL_ACTOR, the OS user and host.
    const february = await keel(['close', '--through', '2024-02-29', '--reason', 'February books'], {
      KEEL_ACTOR: undefined,
    });
    expect(february.code, february.stderr).toBe(0);
    expect(JSON.parse(february.stdout).closed.closed_by).toBe(`${userInfo().username}@${hostname()}`);

    const not_latest = await keel(['reopen', '--through', '2024-01-31', '--reason', 'finding']);
    expect(not_latest.code).toBe(1);
    expect(not_latest.stderr).toContain('KEEL_ERR_AUDIT_REOPEN_NOT_LATEST');
    const not_closed = await keel(['reopen', '--through', '2024-03-31', '--reason', 'finding']);
    expect(not_closed.code).toBe(1);
    expect(not_closed.stderr).toContain('KEEL_ERR_AUDIT_REOPEN_NOT_CLOSED');

    const reopened = await keel(['reopen', '--through', '2024-02-29', '--reason', 'late invoice']);
    expect(reopened.code, reopened.stderr).toBe(0);
    expect(JSON.parse(reopened.stdout)).toMatchObject({
      reopened: { through_date: '2024-02-29' },
      reopened_by: 'alice',
      adjustments_released: 0,
      refold_from: null,
    });

    const logged = await entries();
    expect(logged.map((row) => row.kind)).toEqual(['period_closed', 'period_closed', 'period_reopened']);
    expect(logged[0]!.entry).toMatchObject({ through_date: '2024-01-31', reason: 'January books', closed_by: 'alice' });
    expect(logged[2]!.entry).toMatchObject({
      through_date: '2024-02-29',
      reason: 'late invoice',
      reopened_by: 'alice',
      adjustments_released: 0,
    });
    // Closed through January again; February can be closed anew.
    expect((await keel(['close', '--through', '2024-02-29', '--reason', 'February books, again'])).code).toBe(0);
  }, 120_000);
});
