// Every venue × stream that ccxt supports for it, replayed offline from recorded responses
// (test/data/exchanges, sources in its SOURCES.md) through ccxt and the connector: the canonical
// events are asserted field by field. The replay is strict: a request without a recorded answer
// fails, and every recorded answer must be asked for.
import { describe, expect, it } from 'vitest';
import { parseEvent } from '../../engine/event-schema.js';
import { replay } from './replay-kit.js';

const ltc_usdt_spot = { symbol: 'LTC/USDT', kind: 'spot', base: 'LTC', quote: 'USDT' };
const btc_usdt_perp = {
  symbol: 'BTC/USDT:USDT',
  kind: 'perpetual',
  base: 'BTC',
  quote: 'USDT',
  settle: 'USDT',
  contract_size: '1',
  inverse: false,
};
const ltc_usdt_perp = {
  symbol: 'LTC/USDT:USDT',
  kind: 'perpetual',
  base: 'LTC',
  quote: 'USDT',
  settle: 'USDT',
  contract_size: '1',
  inverse: false,
};

async function replayed(name: string) {
  const result = await replay(name);
  expect(result.unused, 'every recorded response is asked for').toEqual([]);
  for (const event of result.raw_events) expect(parseEvent(event).ok).toBe(true);
  return result;
}

describe('binance (spot)', () => {
  it('fills and transfers: fee in the quote, a deposit, a withdrawal with its fee', async () => {
    const { events, raw_events } = await replayed('binance-spot');
    expect(events).toEqual([
      {
        id: 'binance:spot-main:trade:LTCUSDT:309520010',
        type: 'trade',
        time: '2023-10-24T09:16:32.358Z',
        venue: 'binance',
        account: 'spot-main',
        instrument: ltc_usdt_spot,
        side: 'sell',
        quantity: '0.2',
        price: '69.63',
        cost: '13.926',
        fees: [{ asset: 'USDT', amount: '0.013926' }],
        order_id: '3784695242',
        trade_id: '309520010',
        liquidity: 'taker',
      },
      {
        id: 'binance:spot-main:deposit:4534543435',
        type: 'deposit',
        time: '2024-05-05T15:41:44.000Z',
        venue: 'binance',
        account: 'spot-main',
        asset: 'USDT',
        amount: '10',
        txid: '435kl435jh4354j3k5',
      },
      {
        id: 'binance:spot-main:withdrawal:54c1b7543534543fsdfsdf6',
        type: 'withdrawal',
        time: '2024-05-05T15:38:56.000Z',
        venue: 'binance',
        account: 'spot-main',
        asset: 'USDT',
        amount: '9',
        fee: '1',
        txid: 'FDSJHFKDSHFJ4KR5H4KJH3454JHK',
      },
    ]);
    // The venue's own payload travels with the event, untouched.
    expect(raw_events[0]!.raw).toMatchObject({
      id: '309520010',
      qty: '0.20000000',
      commission: '0.01392600',
      commissionAsset: 'USDT',
    });
  });
});

describe('binance USDⓈ-M futures', () => {
  it('fills (a rebate), funding (Binance sign), ledger (settlement, transfer, commission covered by fills)', async () => {
    const { events, reports } = await replayed('binanceusdm');
    expect(events).toEqual([
      {
        id: 'binanceusdm:futures-main:trade:BTCUSDT:698759',
        type: 'trade',
        time: '2019-09-26T16:22:58.020Z',
        venue: 'binanceusdm',
        account: 'futures-main',
        instrument: btc_usdt_perp,
        side: 'sell',
        quantity: '0.002',
        price: '7819.01',
        fees: [{ asset: 'USDT', amount: '-0.0781901' }],
        order_id: '25851813',
        trade_id: '698759',
        liquidity: 'taker',
      },
      {
        id: 'binanceusdm:futures-main:funding:BTCUSDT:8082457372019390060',
        type: 'funding',
        time: '2019-10-03T08:00:00.000Z',
        venue: 'binanceusdm',
        account: 'futures-main',
        instrument: btc_usdt_perp,
        asset: 'USDT',
        amount: '-0.04618913',
      },
      {
        id: 'binanceusdm:futures-main:settlement:ledger:REALIZED_PNL:9689322393',
        type: 'settlement',
        time: '2019-09-26T16:22:58.020Z',
        venue: 'binanceusdm',
        account: 'futures-main',
        instrument: btc_usdt_perp,
        asset: 'USDT',
        amount: '-0.91539999',
      },
      {
        id: 'binanceusdm:futures-main:transfer:ledger:TRANSFER:9689322392',
        type: 'transfer',
        time: '2019-10-09T08:00:00.000Z',
        venue: 'binanceusdm',
        account: 'futures-main',
        asset: 'USDT',
        amount: '0.375',
        to_venue: 'binance',
        to_account: 'spot-main',
      },
    ]);
    expect(reports.find((report) => report.stream === 'ledger')).toMatchObject({
      events_published: 2,
      skipped: 1,
      dead_letters: 0,
    });
  });
});

describe('bybit (unified account)', () => {
  it('fills: fees in the base coin, and a funding row among fills becomes a funding event, never a trade', async () => {
    const { events } = await replayed('bybit-fills');
    expect(events).toEqual([
      {
        id: 'bybit:unified-main:trade:BTCUSDT:2100000000047087120',
        type: 'trade',
        time: '2023-11-10T10:36:48.878Z',
        venue: 'bybit',
        account: 'unified-main',
        instrument: { symbol: 'BTC/USDT', kind: 'spot', base: 'BTC', quote: 'USDT' },
        side: 'buy',
        quantity: '0.000336',
        price: '29708.7',
        cost: '9.9821232',
        fees: [{ asset: 'BTC', amount: '0.000000336' }],
        order_id: '1550857400238740992',
        trade_id: '2100000000047087120',
        client_order_id: '1550857400247129600',
        liquidity: 'taker',
      },
      {
        id: 'bybit:unified-main:trade:ETHUSDT:2110000000034095620',
        type: 'trade',
        time: '2024-03-18T11:45:03.659Z',
        venue: 'bybit',
        account: 'unified-main',
        instrument: { symbol: 'ETH/USDT', kind: 'spot', base: 'ETH', quote: 'USDT' },
        side: 'buy',
        quantity: '0.001',
        price: '2453.65',
        cost: '2.45365',
        fees: [{ asset: 'ETH', amount: '0.000001' }],
        order_id: '1644387819067894016',
        trade_id: '2110000000034095620',
        client_order_id: '1644387819067894017',
        liquidity: 'taker',
      },
      {
        // execType Funding, execFee 0.00867 (positive = paid on Bybit) → −0.00867, on the contract, with the id the funding stream gives it.
        id: 'bybit:unified-main:funding:LTCUSDT:6dff7827-9774-4881-b275-d2b9eec1ce9b',
        type: 'funding',
        time: '2023-11-14T08:00:00.000Z',
        venue: 'bybit',
        account: 'unified-main',
        instrument: ltc_usdt_perp,
        asset: 'USDT',
        amount: '-0.00867',
      },
      {
        id: 'bybit:unified-main:trade:LTCUSDT:751c8dba-bdeb-5d0c-9dd3-dda6bf98cdaf',
        type: 'trade',
        time: '2024-03-18T11:55:18.390Z',
        venue: 'bybit',
        account: 'unified-main',
        instrument: ltc_usdt_perp,
        side: 'buy',
        quantity: '0.1',
        price: '85.11',
        fees: [{ asset: 'USDT', amount: '0.00468105' }],
        order_id: 'c18b72e4-1bf7-4c30-9b99-ba3274066029',
        trade_id: '751c8dba-bdeb-5d0c-9dd3-dda6bf98cdaf',
        liquidity: 'taker',
      },
    ]);
  });

  it('funding: 14 real rows, Bybit execFee sign turned into Keel sign (positive = received)', async () => {
    const { events } = await replayed('bybit-funding');
    expect(events).toHaveLength(14);
    for (const event of events)
      expect(event).toMatchObject({
        type: 'funding',
        venue: 'bybit',
        account: 'unified-main',
        instrument: ltc_usdt_perp,
        asset: 'USDT',
      });
    expect(events.map((event) => [event.time, 'amount' in event ? event.amount : undefined])).toEqual([
      ['2024-03-14T00:00:00.000Z', '-0.0009717'],
      ['2024-03-14T08:00:00.000Z', '-0.00480131'],
      ['2024-03-14T16:00:00.000Z', '-0.00108123'],
      ['2024-03-15T00:00:00.000Z', '0.00396789'],
      ['2024-03-15T08:00:00.000Z', '-0.0012422'],
      ['2024-03-15T16:00:00.000Z', '0.04325071'],
      ['2024-03-16T00:00:00.000Z', '0.00068346'],
      ['2024-03-16T08:00:00.000Z', '-0.0008982'],
      ['2024-03-18T16:00:00.000Z', '-0.0008298'],
      ['2024-03-19T00:00:00.000Z', '0.01272213'],
      ['2024-03-19T08:00:00.000Z', '-0.0007953'],
      ['2024-03-19T16:00:00.000Z', '0.00236058'],
      ['2024-03-20T00:00:00.000Z', '-0.0007797'],
      ['2024-03-20T08:00:00.000Z', '0.00708126'],
    ]);
    expect(events.at(-1)!.id).toBe('bybit:unified-main:funding:LTCUSDT:89102b18-96c4-42d2-bc26-131699036635');
  });

  it('ledger: funding settlements and trade fees are covered by their own streams (nothing counted twice)', async () => {
    const { events, reports } = await replayed('bybit-ledger');
    expect(events).toEqual([]);
    expect(reports[0]).toMatchObject({ stream: 'ledger', events_published: 0, skipped: 4, dead_letters: 0 });
  });

  it('transfers: a deposit, a withdrawal with its fee, and an internal transfer published by the sending wallet', async () => {
    const { events } = await replayed('bybit-transfers');
    expect(events).toEqual([
      {
        id: 'bybit:unified-main:deposit:0b038ea12fa1575e2d66693db3c346b700d4b28347afc39f80321cf089acc960',
        type: 'deposit',
        time: '2022-10-07T11:35:07.000Z',
        venue: 'bybit',
        account: 'unified-main',
        asset: 'USDT',
        amount: '44',
        txid: '0b038ea12fa1575e2d66693db3c346b700d4b28347afc39f80321cf089acc960',
      },
      {
        id: 'bybit:unified-main:withdrawal:8839035',
        type: 'withdrawal',
        time: '2022-10-07T12:03:03.000Z',
        venue: 'bybit',
        account: 'unified-main',
        asset: 'USDT',
        amount: '12.34',
        fee: '0.5',
        txid: 'de5ea0a2f2e59dc9a714837dd3ddc6d5e151b56ec5d786d351c4f52336f80d3c',
      },
      {
        id: 'bybit:unified-main:transfer:f26122f3-da92-4bef-b7cf-74f876568db9',
        type: 'transfer',
        time: '2024-08-05T13:48:18.000Z',
        venue: 'bybit',
        account: 'unified-main',
        asset: 'USDT',
        amount: '10',
        to_venue: 'bybit',
        to_account: 'funding',
      },
    ]);
  });
});

describe('okx', () => {
  it('fills: a spot buy whose fee is charged in the base coin (OKX negative = charged, Keel positive = paid)', async () => {
    const { events } = await replayed('okx-fills');
    expect(events).toEqual([
      {
        id: 'okx:trading-main:trade:ETH-USDT:107601752',
        type: 'trade',
        time: '2021-05-25T07:21:54.985Z',
        venue: 'okx',
        account: 'trading-main',
        instrument: { symbol: 'ETH/USDT', kind: 'spot', base: 'ETH', quote: 'USDT' },
        side: 'buy',
        quantity: '0.007533',
        price: '2654.98',
        cost: '19.99996434',
        fees: [{ asset: 'ETH', amount: '0.000007533' }],
        order_id: '317321390244397056',
        trade_id: '107601752',
        liquidity: 'taker',
      },
    ]);
  });

  it('funding: an inverse swap (contract size 10 USD) paying funding in the settlement coin', async () => {
    const { events } = await replayed('okx-funding');
    expect(events).toEqual([
      {
        id: 'okx:trading-main:funding:ETH-USD-SWAP:377970609204146187',
        type: 'funding',
        time: '2021-11-08T16:00:15.588Z',
        venue: 'okx',
        account: 'trading-main',
        instrument: {
          symbol: 'ETH/USD:ETH',
          kind: 'perpetual',
          base: 'ETH',
          quote: 'USD',
          settle: 'ETH',
          contract_size: '10',
          inverse: true,
        },
        asset: 'ETH',
        amount: '0.000014875271224',
      },
    ]);
  });

  it('ledger: a spot trade bill (covered by fills) and a funding-account bill (covered by transfers)', async () => {
    const { events, reports } = await replayed('okx-ledger');
    expect(events).toEqual([]);
    expect(reports[0]).toMatchObject({ stream: 'ledger', events_published: 0, skipped: 2, dead_letters: 0 });
  });

  it('transfers: the deposit is published; the withdrawal whose fee is not a number is dead-lettered, not guessed', async () => {
    const { events, dead_letters } = await replayed('okx-transfers');
    expect(events).toEqual([
      {
        id: 'okx:trading-main:deposit:4703879',
        type: 'deposit',
        time: '2020-08-10T02:26:23.085Z',
        venue: 'okx',
        account: 'trading-main',
        asset: 'BTC',
        amount: '0.01044408',
        txid: '1915737_3_0_0_asset',
      },
    ]);
    expect(dead_letters).toHaveLength(1);
    expect(dead_letters[0]).toMatchObject({
      code: 'KEEL_ERR_CONNECTOR_RECORD_MALFORMED',
      kind: 'invalid',
      source: { topic: 'connector/okx/trading-main/transfers' },
    });
    expect(dead_letters[0]!.reason).toContain("fee.cost: '0.01000000eth' is not a decimal number");
    expect(JSON.parse(dead_letters[0]!.payload!)).toMatchObject({ wdId: '4703879', fee: '0.01000000eth' });
  });
});

describe('kraken', () => {
  it('fills: a liquidation is flagged; a fill on a market no longer listed is dead-lettered and the page goes on', async () => {
    const { events, dead_letters } = await replayed('kraken-fills');
    expect(events).toEqual([
      {
        id: 'kraken:spot-main:trade:XXBTZUSD:TLIQ7A-2KQ4D-UOZNRX',
        type: 'trade',
        time: '2024-03-14T15:14:08.305Z',
        venue: 'kraken',
        account: 'spot-main',
        instrument: { symbol: 'BTC/USD', kind: 'spot', base: 'BTC', quote: 'USD' },
        side: 'sell',
        quantity: '0.0001',
        price: '72026.5',
        cost: '7.20265',
        fees: [{ asset: 'USD', amount: '0.01873' }],
        order_id: 'OSJVN7-A2AE-63WZV',
        trade_id: 'TLIQ7A-2KQ4D-UOZNRX',
        liquidity: 'taker',
        liquidation: true,
      },
    ]);
    expect(dead_letters.map((letter) => letter.reason)).toEqual([
      "kraken/spot-main trade: unknown market 'XICNXETH': not in the venue's market list",
    ]);
  });

  it('ledger: trade and withdrawal rows are covered by fills and transfers', async () => {
    const { events, reports } = await replayed('kraken-ledger');
    expect(events).toEqual([]);
    expect(reports[0]).toMatchObject({ skipped: 2, dead_letters: 0 });
  });

  it('transfers: deposit and withdrawal with a 3 USDT fee', async () => {
    const { events } = await replayed('kraken-transfers');
    expect(events).toEqual([
      {
        id: 'kraken:spot-main:deposit:54435345',
        type: 'deposit',
        time: '2024-05-05T15:39:21.000Z',
        venue: 'kraken',
        account: 'spot-main',
        asset: 'USDT',
        amount: '9',
        txid: '534jh34jk5h34jk',
      },
      {
        id: 'kraken:spot-main:withdrawal:FTM6UXZ-5jh345jkhfkdsjfhkjdf',
        type: 'withdrawal',
        time: '2024-05-05T15:40:02.000Z',
        venue: 'kraken',
        account: 'spot-main',
        asset: 'USDT',
        amount: '10',
        fee: '3',
        txid: '45j43kh54jk3h',
      },
    ]);
  });
});

describe('coinbase', () => {
  it('fills: spot, and an INTX perpetual settled in USDC', async () => {
    const { events } = await replayed('coinbase-fills');
    expect(events).toEqual([
      {
        id: 'coinbase:spot-main:trade:ADA-USDT:19fc7eee-f4b4-40a7-8104-033da1db5311',
        type: 'trade',
        time: '2023-11-26T10:19:47.504Z',
        venue: 'coinbase',
        account: 'spot-main',
        instrument: { symbol: 'ADA/USDT', kind: 'spot', base: 'ADA', quote: 'USDT' },
        side: 'sell',
        quantity: '10',
        price: '0.392',
        cost: '3.92',
        fees: [{ asset: 'USDT', amount: '0.03136' }],
        order_id: '01b6e467-b659-432f-9490-c7cefe949564',
        trade_id: '19fc7eee-f4b4-40a7-8104-033da1db5311',
        liquidity: 'taker',
      },
      {
        id: 'coinbase:spot-main:trade:ADA-PERP-INTX:f8e23d3d-29a4-44f9-804d-1c74e4908055',
        type: 'trade',
        time: '2024-04-09T11:45:50.552Z',
        venue: 'coinbase',
        account: 'spot-main',
        instrument: {
          symbol: 'ADA/USDC:USDC',
          kind: 'perpetual',
          base: 'ADA',
          quote: 'USDC',
          settle: 'USDC',
          contract_size: '1',
          inverse: false,
        },
        side: 'buy',
        quantity: '20',
        price: '0.6091',
        fees: [{ asset: 'USDC', amount: '0.0036' }],
        order_id: 'efed4cba-7395-4b02-b927-0c1dce00e0d8',
        trade_id: 'f8e23d3d-29a4-44f9-804d-1c74e4908055',
        liquidity: 'taker',
      },
    ]);
  });

  it('transfers: a deposit and a send with its network fee', async () => {
    const { events } = await replayed('coinbase-transfers');
    expect(events).toEqual([
      {
        id: 'coinbase:spot-main:deposit:45cdc829-ba86-5125-8c53-61b8ff3b2f2a',
        type: 'deposit',
        time: '2024-11-03T13:32:02.000Z',
        venue: 'coinbase',
        account: 'spot-main',
        asset: 'USDT',
        amount: '2.01',
        txid: '432e6504d28630c9fbe44ea0aeb6c8f2ff60d271d92045b24b02d65a8b0c2e3a',
      },
      {
        id: 'coinbase:spot-main:withdrawal:e457a27e-8ad0-56ee-90d3-94d9a86fc203',
        type: 'withdrawal',
        time: '2024-11-03T13:50:09.000Z',
        venue: 'coinbase',
        account: 'spot-main',
        asset: 'USDT',
        amount: '2.01',
        fee: '1.530199',
        txid: '123485af495b4a19521e989b3c67c14cd36e38e7eda755faf8aa4321c8f41be8',
      },
    ]);
  });

  it('ledger: the v2 transactions are sends, covered by the transfers stream', async () => {
    const { events, reports } = await replayed('coinbase-ledger');
    expect(events).toEqual([]);
    expect(reports[0]).toMatchObject({ skipped: 2, dead_letters: 0 });
  });
});

describe('deribit', () => {
  it('fills: inverse contracts counted in contracts (USD notional / contract size), a maker rebate in BTC; an option is dead-lettered', async () => {
    const { events, dead_letters } = await replayed('deribit-fills');
    expect(events).toEqual([
      {
        id: 'deribit:main:trade:BTC-26JUN20:47958936',
        type: 'trade',
        time: '2020-05-19T21:21:51.862Z',
        venue: 'deribit',
        account: 'main',
        instrument: {
          symbol: 'BTC/USD:BTC-200626',
          kind: 'future',
          base: 'BTC',
          quote: 'USD',
          settle: 'BTC',
          contract_size: '10',
          inverse: true,
        },
        side: 'buy',
        quantity: '1',
        price: '9681.5',
        fees: [{ asset: 'BTC', amount: '-0.00000021' }],
        order_id: '3993343822',
        trade_id: '47958936',
        liquidity: 'maker',
      },
      {
        id: 'deribit:main:trade:ETH-PERPETUAL:ETH-2696068',
        type: 'trade',
        time: '2020-05-26T08:11:52.800Z',
        venue: 'deribit',
        account: 'main',
        instrument: {
          symbol: 'ETH/USD:ETH',
          kind: 'perpetual',
          base: 'ETH',
          quote: 'USD',
          settle: 'ETH',
          contract_size: '1',
          inverse: true,
        },
        side: 'buy',
        quantity: '100',
        price: '203.8',
        fees: [{ asset: 'ETH', amount: '0.00036801' }],
        order_id: 'ETH-584830574',
        trade_id: 'ETH-2696068',
        liquidity: 'taker',
      },
    ]);
    expect(dead_letters).toHaveLength(1);
    expect(dead_letters[0]!.reason).toContain('is of type option');
  });

  it('transfers: a deposit, a pending withdrawal held back, a transfer to a subaccount', async () => {
    const { events, reports } = await replayed('deribit-transfers');
    expect(events).toEqual([
      {
        id: 'deribit:main:deposit:230669110fdaf0a0dbcdc079b6b8b43d5af29cc73683835b9bc6b3406c065fda',
        type: 'deposit',
        time: '2019-02-04T15:43:37.670Z',
        venue: 'deribit',
        account: 'main',
        asset: 'BTC',
        amount: '5',
        txid: '230669110fdaf0a0dbcdc079b6b8b43d5af29cc73683835b9bc6b3406c065fda',
      },
      {
        id: 'deribit:main:transfer:3',
        type: 'transfer',
        time: '2019-02-15T12:14:22.350Z',
        venue: 'deribit',
        account: 'main',
        asset: 'ETH',
        amount: '13.456',
        to_venue: 'deribit',
        to_account: 'sub-1',
      },
    ]);
    expect(reports[0]).toMatchObject({ pending: 1 });
  });
});

describe('replay is strict', () => {
  it('re-reading the same recording gives the same events with the same ids', async () => {
    const first = await replayed('bybit-fills');
    const second = await replayed('bybit-fills');
    expect(second.raw_events).toEqual(first.raw_events);
  });
});
