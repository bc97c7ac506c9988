import { describe, expect, it } from 'vitest';
import { runPostBench } from './post-bench.js';

// Keeps the benchmark runnable; its figures are read from `npm run bench`, never asserted here.
describe('posting benchmark (smoke run)', () => {
  it('posts a small generated file end to end and reports both throughputs', async () => {
    const result = await runPostBench(500, 3);
    expect(result.events).toBe(500);
    expect(result.transfers).toBeGreaterThan(500);
    expect(result.post.events_per_second).toBeGreaterThan(0);
    expect(result.rules.transfers_per_second).toBeGreaterThan(0);
    expect(result.post_to_rules_ratio).toBeGreaterThan(0);
  });
});
