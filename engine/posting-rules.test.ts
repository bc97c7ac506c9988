import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AssetRegistry } from '../ledger/asset-registry.js';
import { TransferFlags } from '../ledger/ledger-port.js';
import { formatUnits } from '../ledger/money.js';
import { example_events } from '../test/support/example-events.js';
import { generateEvents } from '../test/support/event-generator.js';
import { engine_error_codes } from './engine-errors.js';
import { parseEvent, type KeelEvent } from './event-schema.js';
import { chainTransfers, postingChain, type PostingChain } from './posting-rules.js';

const registry = new AssetRegistry();

function event(input: unknown): KeelEvent {
  const parsed = parseEvent(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.event;
}

/** Net movement per account (debits − credits), as "type asset: decimal" lines, for readable expectations. */
function movements(chain: PostingChain): Record<string, string> {
  const net = new Map<string, { units: bigint; scale: number }>();
  for (const leg of chain.legs) {
    for (const [spec, sign] of [
      [leg.debit, 1n],
      [leg.credit, -1n],
    ] as const) {
      const name = `${spec.venue}/${spec.account} ${spec.type} ${spec.asset}`;
      const current = net.get(name) ?? { units: 0n, scale: spec.scale };
      net.set(name, { units: current.units + sign * leg.amount, scale: spec.scale });
    }
  }
  return Object.fromEntries([...net].map(([name, value]) => [name, formatUnits(value.units, value.scale)]));
}

function errorOf(run: () => unknown): { code: string; field?: string; message: string } {
  try {
    run();
  } catch (error) {
    return error as { code: string; field?: string; message: string };
  }
  throw new Error('expected an error');
}

describe('posting rules', () => {
  it('spot buy: quote to the venue, base to cash, the fee from cash to fees', () => {
    const chain = postingChain(event(example_events.trade), registry);
    expect(chain.legs.map((leg) => leg.kind)).toEqual(['quote', 'base', 'fee']);
    expect(movements(chain)).toEqual({
      'binance/spot-main counterparty USDT': '30000',
      'binance/spot-main cash USDT': '-30000',
      'binance/spot-main cash BTC': '0.5',
      'binance/spot-main counterparty BTC': '-0.5',
      'binance/spot-main fees BNB': '0.01',
      'binance/spot-main cash BNB': '-0.01',
    });
  });

  it('spot sell with several fees and a rebate, cost implied by quantity × price', () => {
    const sell = event({
      ...example_events.trade,
      side: 'sell',
      quantity: '0.25',
      price: '60000.5',
      cost: undefined,
      fees: [
        { asset: 'USDT', amount: '1.5' },
        { asset: 'BNB', amount: '-0.001' },
        { asset: 'BTC', amount: '0' },
      ],
    });
    const chain = postingChain(sell, registry);
    expect(chain.legs.map((leg) => leg.kind)).toEqual(['quote', 'base', 'fee', 'fee']);
    expect(movements(chain)).toEqual({
      'binance/spot-main cash USDT': '14998.625',
      'binance/spot-main counterparty USDT': '-15000.125',
      'binance/spot-main counterparty BTC': '0.25',
      'binance/spot-main cash BTC': '-0.25',
      'binance/spot-main fees USDT': '1.5',
      'binance/spot-main fees BNB': '-0.001',
      'binance/spot-main cash BNB': '0.001',
    });
  });

  it('derivative trade: contracts between position and the venue, plus fees; no cash leg', () => {
    const chain = postingChain(
      event({
        ...example_events.trade,
        instrument: example_events.funding.instrument,
        quantity: '3',
        fees: [{ asset: 'USDT', amount: '0.2' }],
      }),
      registry,
    );
    expect(chain.legs.map((leg) => leg.kind)).toEqual(['contract', 'fee']);
    expect(movements(chain)).toEqual({
      'binance/spot-main position BTC/USDT:USDT': '3',
      'binance/spot-main counterparty BTC/USDT:USDT': '-3',
      'binance/spot-main fees USDT': '0.2',
      'binance/spot-main cash USDT': '-0.2',
    });
    expect(chain.legs[0]!.ledger).toBe(registry.instrument('BTC/USDT:USDT').ledger);
  });

  it('funding, settlement and income follow their sign', () => {
    expect(movements(postingChain(event(example_events.funding), registry))).toEqual({
      'binance/spot-main funding_pnl USDT': '1.25',
      'binance/spot-main cash USDT': '-1.25',
    });
    expect(movements(postingChain(event(example_events.settlement), registry))).toEqual({
      'binance/spot-main cash USDT': '120.5',
      'binance/spot-main realised_pnl USDT': '-120.5',
    });
    expect(movements(postingChain(event(example_events.income), registry))).toEqual({
      'binance/spot-main cash BNB': '0.2',
      'binance/spot-main income BNB': '-0.2',
    });
  });

  it('deposit and withdrawal with fees, transfer between own accounts, margin lock and release', () => {
    expect(movements(postingChain(event(example_events.deposit), registry))).toEqual({
      'binance/spot-main cash BTC': '0.9999',
      'binance/spot-main external BTC': '-1',
      'binance/spot-main fees BTC': '0.0001',
    });
    expect(movements(postingChain(event(example_events.withdrawal), registry))).toEqual({
      'binance/spot-main external USDT': '100',
      'binance/spot-main cash USDT': '-101',
      'binance/spot-main fees USDT': '1',
    });
    expect(movements(postingChain(event(example_events.transfer), registry))).toEqual({
      'bybit/unified cash USDT': '50',
      'binance/spot-main cash USDT': '-50',
    });
    expect(movements(postingChain(event(example_events.margin), registry))).toEqual({
      'binance/spot-main margin USDT': '500',
      'binance/spot-main cash USDT': '-500',
    });
    expect(movements(postingChain(event({ ...example_events.margin, action: 'release' }), registry))).toEqual({
      'binance/spot-main cash USDT': '500',
      'binance/spot-main margin USDT': '-500',
    });
  });

  it('decisions, risk checks, orders and zero amounts post nothing', () => {
    for (const example of [
      example_events.decision,
      example_events.risk_check,
      example_events.order,
      { ...example_events.funding, amount: '0.000' },
    ]) {
      const chain = postingChain(event(example), registry);
      expect(chain.legs).toEqual([]);
    }
  });

  it('rejects amounts finer than the asset scale, naming the field', () => {
    const too_fine = errorOf(() =>
      postingChain(event({ ...example_events.trade, fees: [{ asset: 'USDT', amount: '0.0000000000001' }] }), registry),
    );
    expect(too_fine).toMatchObject({ code: 'KEEL_ERR_LEDGER_AMOUNT_TOO_PRECISE', field: 'fees.0.amount' });
    const implied = errorOf(() =>
      postingChain(
        event({ ...example_events.trade, cost: undefined, quantity: '0.12345678', price: '60000.12345678' }),
        registry,
      ),
    );
    expect(implied).toMatchObject({ code: engine_error_codes.cost_too_precise, field: 'cost' });
    expect(implied.message).toContain('7407.4220415765279684 has 16 decimals');
    const unknown = errorOf(() => postingChain(event({ ...example_events.income, asset: 'NOPE' }), registry));
    expect(unknown).toMatchObject({ code: 'KEEL_ERR_LEDGER_ASSET_UNKNOWN', field: 'asset' });
  });

  it('links every leg to the next and closes the chain on the last; one event key on every leg', () => {
    const transfers = chainTransfers(postingChain(event(example_events.trade), registry));
    expect(transfers.map((transfer) => transfer.flags)).toEqual([
      TransferFlags.linked,
      TransferFlags.linked,
      TransferFlags.none,
    ]);
    expect(new Set(transfers.map((transfer) => transfer.user_data_128)).size).toBe(1);
    expect(transfers.every((transfer) => transfer.user_data_64 === BigInt(Date.parse(example_events.trade.time)))).toBe(
      true,
    );
  });

  describe('for random valid events (property)', () => {
    const seeds = fc.integer({ min: 1, max: 2 ** 31 - 1 });

    it('every chain balances per ledger, every leg is positive, ids are unique and deterministic', () => {
      fc.assert(
        fc.property(seeds, (seed) => {
          for (const generated of generateEvents(50, { seed, include_non_money: true })) {
            const chain = postingChain(generated, registry);
            const again = postingChain(structuredClone(generated), new AssetRegistry());
            const transfers = chainTransfers(chain);
            expect(chainTransfers(again)).toEqual(transfers);
            const net_by_ledger = new Map<number, bigint>();
            for (const transfer of transfers) {
              expect(transfer.amount > 0n).toBe(true);
              expect(transfer.debit_account_id).not.toBe(transfer.credit_account_id);
              net_by_ledger.set(transfer.ledger, (net_by_ledger.get(transfer.ledger) ?? 0n) + transfer.amount);
            }
            for (const leg of chain.legs) {
              expect(leg.debit.ledger).toBe(leg.credit.ledger);
              net_by_ledger.set(leg.credit.ledger, (net_by_ledger.get(leg.credit.ledger) ?? 0n) - leg.amount);
            }
            expect([...net_by_ledger.values()].every((net) => net === 0n)).toBe(true);
            expect(new Set(transfers.map((transfer) => transfer.id)).size).toBe(transfers.length);
          }
        }),
        { numRuns: 200 },
      );
    });
  });
});
