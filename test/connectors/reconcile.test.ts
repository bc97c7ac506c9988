// Reconciliation (I7) offline: a recorded Binance spot balance against an embedded ledger holding
// known events; every difference is reported exactly, and counted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEvent } from '../../engine/event-schema.js';
import { postEventLines } from '../../engine/post-events.js';
import { AssetRegistry } from '../../ledger/asset-registry.js';
import { JournaledLedger } from '../../ledger/embedded-journal.js';
import { EmbeddedLedger } from '../../ledger/embedded-ledger.js';
import { createConnectorMetrics } from '../../connectors/connector-metrics.js';
import { connector_error_codes } from '../../connectors/connector-errors.js';
import { compareBalances, readLedgerCash, reconcile } from '../../connectors/reconcile.js';
import { loadSession, type ReplaySession } from '../../connectors/replay.js';
import { replayExchange } from '../../connectors/replay-runner.js';
import { sessions_directory } from './replay-kit.js';

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function deposit(id: string, asset: string, amount: string) {
  const parsed = parseEvent({
    id: `binance:spot-main:deposit:${id}`,
    type: 'deposit',
    time: '2023-12-01T00:00:00.000Z',
    venue: 'binance',
    account: 'spot-main',
    asset,
    amount,
  });
  if (!parsed.ok) throw new Error('bad test event');
  return { ok: true as const, event: parsed.event, line: 1 };
}

describe('reconcile', () => {
  it('compares exactly: difference = venue − ledger, matches listed apart', () => {
    expect(compareBalances('v', 'a', { BTC: '1.5', ETH: '2' }, { BTC: '1.50', USDT: '10' })).toEqual({
      venue: 'v',
      account: 'a',
      matched: [{ asset: 'BTC', ledger: '1.5', venue: '1.50', difference: '0' }],
      differences: [
        { asset: 'ETH', ledger: '2', venue: '0', difference: '-2' },
        { asset: 'USDT', ledger: '0', venue: '10', difference: '10' },
      ],
    });
  });

  it('reads the recorded venue balance and the ledger cash, and reports each difference', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-reconcile-'));
    directories.push(directory);
    const ledger = await JournaledLedger.open(directory);
    try {
      const registry = new AssetRegistry();
      const report = await postEventLines(
        [deposit('ltc', 'LTC', '0.919741'), deposit('eth', 'ETH', '0.02')],
        ledger,
        registry,
      );
      expect(report.events.posted).toBe(2);

      const session: ReplaySession = {
        ...loadSession(join(sessions_directory, 'binance-spot.session.json')),
        responses: [
          {
            method: 'GET',
            path: '/api/v3/account',
            from: { file: '../ccxt/response/binance.json', method: 'fetchBalance', case: 0 },
            repeat: false,
            status: 200,
          },
        ],
      };
      const { exchange, replay } = replayExchange(session);
      const result = await reconcile(exchange, ledger, registry, 'binance', 'spot-main');
      expect(replay.unused()).toEqual([]);
      expect(result.matched).toEqual([{ asset: 'LTC', ledger: '0.919741', venue: '0.919741', difference: '0' }]);
      expect(result.differences).toContainEqual({
        asset: 'ETH',
        ledger: '0.02',
        venue: '0.02229833',
        difference: '0.00229833',
      });
      expect(result.differences.every((line) => line.asset !== 'BTC')).toBe(true); // zero on both sides

      const metrics = createConnectorMetrics(new Registry());
      metrics.reconciliation_mismatches.inc({ venue: 'binance' }, result.differences.length);
      expect((await metrics.reconciliation_mismatches.get()).values[0]!.value).toBe(result.differences.length);
    } finally {
      await ledger.close();
    }
  });

  it('refuses more assets than one comparison holds with a coded error, before asking the ledger', async () => {
    const assets = Array.from({ length: 8_001 }, (_, index) => `A${index}`);
    const refused = readLedgerCash(new EmbeddedLedger(), new AssetRegistry(), 'binance', 'spot-main', assets);
    await expect(refused).rejects.toThrow(expect.objectContaining({ code: connector_error_codes.reconcile_failed }));
  });
});
