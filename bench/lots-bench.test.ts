import { describe, expect, it } from 'vitest';
import { runLotsBench } from './lots-bench.js';

// Keeps the benchmark runnable; its figures are read from `npm run bench:lots`, never asserted here.
describe('lot engine benchmark (smoke run)', () => {
  it('runs both sizes and reports throughput, the time ratio and peak RSS', () => {
    const result = runLotsBench(2_000, 5, 'hifo', () => {}, 1);
    expect(result.small.trades).toBe(200);
    expect(result.large.trades).toBe(2_000);
    expect(result.large.disposals).toBeGreaterThan(0);
    expect(result.large.disposals_per_second).toBeGreaterThan(0);
    expect(result.time_ratio).toBeGreaterThan(0);
    expect(typeof result.scaling_holds).toBe('boolean');
    expect(result.peak_rss_mib).toBeGreaterThan(0);
  });
});
