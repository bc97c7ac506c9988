import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createConnectorMetrics } from '../connectors/connector-metrics.js';
import type { ReconcileReport } from '../ledger/reconciliation.js';
import { createLogger } from '../platform/logger.js';
import { reconcileRounds } from './reconcile-command.js';

describe('keel reconcile --every', () => {
  it('counts the differing assets of every round, survives a failed round, and stops when asked', async () => {
    const registry = new Registry();
    const metrics = createConnectorMetrics(registry);
    const stopping = new AbortController();
    let rounds = 0;
    const once = async (): Promise<ReconcileReport> => {
      rounds += 1;
      if (rounds === 2) throw new Error('venue timed out');
      if (rounds === 3) stopping.abort();
      return {
        venue: 'bybit',
        account: 'unified',
        differences: [{ asset: 'BTC' }, { asset: 'USDT' }],
        matched: [],
      } as unknown as ReconcileReport;
    };
    await reconcileRounds(once, {
      interval_ms: 5,
      venue: 'bybit',
      metrics,
      logger: createLogger('silent'),
      signal: stopping.signal,
    });
    expect(rounds).toBe(3);
    const counted = await registry.getSingleMetric('keel_reconciliation_mismatches_total')!.get();
    expect(counted.values).toEqual([expect.objectContaining({ labels: { venue: 'bybit' }, value: 4 })]);
  });
});
