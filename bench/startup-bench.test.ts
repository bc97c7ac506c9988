import { describe, expect, it } from 'vitest';
import { runStartupBench } from './startup-bench.js';

// Keeps the benchmark runnable against the built CLI; its figures are read from
// `npm run bench:startup`, never asserted here.
describe('start-up benchmark (smoke run)', () => {
  it('runs the baseline and both commands and reports median time, peak RSS and the ratio', () => {
    const result = runStartupBench(1);
    expect(result.commands.map((figures) => figures.name)).toEqual(['keel --help', 'keel lots --input <empty file>']);
    for (const figures of [result.baseline, ...result.commands]) {
      expect(figures.median_seconds).toBeGreaterThan(0);
      expect(figures.peak_rss_mib).toBeGreaterThan(0);
      expect(figures.to_baseline_ratio).toBeGreaterThan(0);
    }
  });
});
