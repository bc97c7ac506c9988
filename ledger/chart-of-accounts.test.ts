import { describe, expect, it } from 'vitest';
import { example_events } from '../test/support/example-events.js';
import {
  accountId,
  eventIdHash,
  eventKey,
  transferId,
  transferIdTimeMs,
  venueAccountKey,
} from './chart-of-accounts.js';

describe('deterministic ids', () => {
  it('are pinned: an id once stored in TigerBeetle must never change with a refactor', () => {
    // These literals were computed once and are kept to catch any change of the id scheme.
    expect(accountId({ venue: 'binance', account: 'spot-main', type: 'cash', asset: 'BTC' }).toString(16)).toBe(
      PINNED.account,
    );
    expect(eventIdHash('binance:spot-main:trade:BTCUSDT:28457').toString(16)).toBe(PINNED.event_id);
    expect(eventKey(example_events.trade).toString(16)).toBe(PINNED.event_content);
    expect(venueAccountKey('binance', 'spot-main').toString(16)).toBe(PINNED.venue_account);
  });

  it('separate fields unambiguously', () => {
    const left = accountId({ venue: 'a|b', account: 'c', type: 'cash', asset: 'BTC' });
    const right = accountId({ venue: 'a', account: 'b|c', type: 'cash', asset: 'BTC' });
    expect(left).not.toBe(right);
    expect(accountId({ venue: 'a\\', account: '|c', type: 'cash', asset: 'BTC' })).not.toBe(
      accountId({ venue: 'a\\|', account: 'c', type: 'cash', asset: 'BTC' }),
    );
  });

  it('key an event by its content, key order and the raw payload aside', () => {
    const reordered = Object.fromEntries(Object.entries(example_events.trade).reverse()) as typeof example_events.trade;
    expect(eventKey(reordered)).toBe(eventKey(example_events.trade));
    expect(eventKey({ ...example_events.trade, raw: { venue_field: 1 } })).toBe(eventKey(example_events.trade));
    expect(eventKey({ ...example_events.trade, trade_id: '28458' })).not.toBe(eventKey(example_events.trade));
  });

  it('put the event time in the transfer id high bits, so ids sort by event time', () => {
    const key = eventIdHash('e1');
    const early = transferId(Date.UTC(2024, 0, 1), key, 0);
    const later = transferId(Date.UTC(2024, 0, 1) + 1, eventIdHash('e0'), 0);
    expect(early < later).toBe(true);
    expect(transferIdTimeMs(early)).toBe(Date.UTC(2024, 0, 1));
    expect(transferId(Date.UTC(2024, 0, 1), key, 1) - early).toBe(1n);
    expect(early < 1n << 128n && early > 0n).toBe(true);
    expect(() => transferId(0, key, 0)).toThrow(RangeError);
    expect(() => transferId(1, key, 256)).toThrow(RangeError);
  });
});

const PINNED = {
  account: '9aa2b17f448c3caf52f74f9636627e31',
  event_id: 'a441b2e001200a0a8a93012004786f1',
  event_content: '2d97ed2a3d77ae5f26e79923b3b8ecf2',
  venue_account: 'da708f6be5ccc80017e9233611903a13',
};
