import { describe, expect, it } from 'vitest';
import { runSealBench } from './seal-bench.js';

// Keeps the benchmark runnable against the real PostgreSQL server; its figures are read from
// `npm run bench:seal`, never asserted here.
describe('audit seal benchmark (smoke run)', () => {
  it('seals a small store three times and reports what each seal wrote', async () => {
    const result = await runSealBench(process.env.DATABASE_URL!, 1_500, 5);
    expect(result.runs.map((run) => run.what)).toEqual([
      'first seal (every record new)',
      'seal with nothing new',
      'seal after a late acquisition',
    ]);
    const [first, nothing_new, late] = result.runs;
    expect(first!.records_written).toBeGreaterThan(100);
    expect(first!.events_applied).toBe(1_500);
    expect(nothing_new).toMatchObject({ records_written: 0, events_applied: 0 });
    expect(late!.events_applied).toBeGreaterThan(0);
  }, 120_000);
});
