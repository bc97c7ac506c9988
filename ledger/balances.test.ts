import { describe, expect, it } from 'vitest';
import { accountSpecsOfEvents } from '../engine/posting-rules.js';
import { postEventLines } from '../engine/post-events.js';
import { validEvent } from '../test/support/event-builders.js';
import { example_events } from '../test/support/example-events.js';
import { AssetRegistry } from './asset-registry.js';
import { balancesAsOfEventTime, balancesKnownAt, currentBalances } from './balances.js';
import { EmbeddedLedger } from './embedded-ledger.js';

const registry = new AssetRegistry();
const deposit = validEvent(example_events.deposit);
const late_deposit = validEvent({
  ...deposit,
  id: 'd-late',
  time: '2024-01-15T00:00:00.000Z',
  amount: '2',
  fee: undefined,
});

describe('balances from the ledger', () => {
  it('as of an event time folds only transfers with that event time or earlier, whatever the insertion order', async () => {
    const ledger = new EmbeddedLedger();
    // The March deposit is posted first, the January one later: a backfill.
    await postEventLines([{ ok: true, event: deposit, line: 1 }], ledger, registry);
    const before_backfill_ns = BigInt(Date.now()) * 1_000_000n + 1_000_000n;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await postEventLines([{ ok: true, event: late_deposit, line: 2 }], ledger, registry);
    const specs = accountSpecsOfEvents([deposit, late_deposit], registry).filter((spec) => spec.type === 'cash');
    expect(await currentBalances(ledger, specs)).toEqual([
      {
        venue: 'binance',
        account: 'spot-main',
        type: 'cash',
        asset: 'BTC',
        debits: '3',
        credits: '0.0001',
        balance: '2.9999',
      },
    ]);
    expect((await balancesAsOfEventTime(ledger, specs, Date.parse('2024-02-01T00:00:00.000Z')))[0]!.balance).toBe('2');
    expect((await balancesAsOfEventTime(ledger, specs, Date.parse('2024-03-01T12:00:00.000Z')))[0]!.balance).toBe(
      '2.9999',
    );
    // What Keel knew before the backfill: only the March deposit.
    expect((await balancesKnownAt(ledger, specs, before_backfill_ns))[0]!.balance).toBe('0.9999');
    expect((await balancesKnownAt(ledger, specs, 1n))[0]!.balance).toBe('0');
  });

  it('lists every account the events post to, once, in a stable order', () => {
    const specs = accountSpecsOfEvents([validEvent(example_events.trade), deposit, deposit], registry);
    expect(specs.map((spec) => `${spec.type}:${spec.asset}`)).toEqual([
      'cash:BNB',
      'cash:BTC',
      'cash:USDT',
      'counterparty:BTC',
      'counterparty:USDT',
      'external:BTC',
      'fees:BNB',
      'fees:BTC',
    ]);
  });
});
