import { describe, expect, it } from 'vitest';
import { runAuditBench } from './audit-bench.js';

// Keeps the benchmark runnable against the real broker, PostgreSQL and `keel audit` process; its
// figures are read from `npm run bench:audit`, never asserted here.
describe('audit benchmark (smoke run)', () => {
  it(
    'replays, offers a steady load and a late acquisition, and reports every figure',
    { timeout: 300_000 },
    async () => {
      const result = await runAuditBench({ events: 1_500, steady_seconds: 2, seed: 7, partitions: 3 });
      const { engine, replay, steady, late } = result;
      expect(engine.events).toBe(1_500);
      expect(replay.events).toBe(1_500);
      for (const rate of [
        engine.events_per_second,
        replay.events_per_second,
        replay.to_engine_ratio,
        replay.peak_rss_mib,
      ])
        expect(rate).toBeGreaterThan(0);
      expect(replay.seals.events_applied).toBeGreaterThanOrEqual(1_500);
      expect(steady.published).toBe(2_000);
      expect(steady.fills).toBeGreaterThan(0);
      expect(steady.matched + steady.unmatched).toBe(steady.fills);
      expect(steady.matched).toBeGreaterThan(0);
      expect(steady.p99_ms).toBeGreaterThanOrEqual(steady.p50_ms);
      expect(late.store_events).toBe(3_500);
      expect(late.pool).toMatch(/^[a-z]+\/[a-z-]+\/(BTC|ETH)$/);
      expect(late.pool_events_after).toBeGreaterThan(0);
      expect(late.store_events_after).toBeGreaterThanOrEqual(late.pool_events_after);
      expect(late.seals.refolds).toBeGreaterThan(0);
      expect(late.seals.events_applied).toBeGreaterThan(0);
    },
  );
});
