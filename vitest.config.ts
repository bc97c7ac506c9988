import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    testTimeout: 30_000,
    // Integration tests share one Kafka broker and one PostgreSQL server, and one of them restarts
    // the broker: files run one after another so no test sees another's outage.
    fileParallelism: false,
    hookTimeout: 120_000,
  },
});
