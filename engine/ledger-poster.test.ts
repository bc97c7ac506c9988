import { describe, expect, it } from 'vitest';
import { AssetRegistry } from '../ledger/asset-registry.js';
import { EmbeddedLedger } from '../ledger/embedded-ledger.js';
import { CreateTransferStatus, newTransfer, type Ledger, type Transfer } from '../ledger/ledger-port.js';
import { generateEvents } from '../test/support/event-generator.js';
import { example_events } from '../test/support/example-events.js';
import { parseEvent, type KeelEvent } from './event-schema.js';
import { LedgerPoster } from './ledger-poster.js';
import { chainTransfers, postingChain } from './posting-rules.js';

const registry = new AssetRegistry();

function event(input: unknown): KeelEvent {
  const parsed = parseEvent(input);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.event;
}

/** A real embedded ledger that also records the size of every create_transfers request. */
class RecordingLedger extends EmbeddedLedger {
  readonly transfer_request_sizes: number[] = [];
  override async createTransfers(transfers: readonly Transfer[]) {
    this.transfer_request_sizes.push(transfers.length);
    return super.createTransfers(transfers);
  }
}

describe('ledger poster', () => {
  it('posts each chain once; the same events again are duplicates, found by looking their legs up', async () => {
    const ledger = new EmbeddedLedger();
    const poster = new LedgerPoster(ledger);
    const chains = [...generateEvents(300, { seed: 11, include_non_money: true })].map((generated) =>
      postingChain(generated, registry),
    );
    const first = await poster.post(chains);
    const expected_posted = chains.filter((chain) => chain.legs.length > 0).length;
    expect(first.filter((outcome) => outcome.status === 'posted')).toHaveLength(expected_posted);
    expect(first.filter((outcome) => outcome.status === 'no_transfers')).toHaveLength(chains.length - expected_posted);
    const again = await new LedgerPoster(ledger).post(chains);
    expect(again.filter((outcome) => outcome.status === 'duplicate')).toHaveLength(expected_posted);
    expect(again.some((outcome) => outcome.status === 'posted')).toBe(false);
  });

  it('sees a duplicate inside one request as a duplicate, and a changed event as a conflict', async () => {
    const ledger = new EmbeddedLedger();
    const trade = postingChain(event(example_events.trade), registry);
    const changed_amount = postingChain(event({ ...example_events.trade, cost: '30001' }), registry);
    const extra_fee = postingChain(
      event({ ...example_events.trade, fees: [...example_events.trade.fees, { asset: 'USDT', amount: '1' }] }),
      registry,
    );
    const fewer_fees = postingChain(event({ ...example_events.trade, fees: [] }), registry);
    const other_trade_id = postingChain(event({ ...example_events.trade, trade_id: 'another' }), registry);
    const same_with_raw = postingChain(event({ ...example_events.trade, raw: { exchange_field: 'x' } }), registry);
    const outcomes = await new LedgerPoster(ledger).post([
      trade,
      trade,
      changed_amount,
      extra_fee,
      fewer_fees,
      other_trade_id,
      same_with_raw,
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'posted',
      'duplicate',
      'conflict',
      'conflict',
      'conflict',
      'conflict',
      'duplicate',
    ]);
    // Changed content changes the event key on every leg, so TigerBeetle reports the first leg.
    for (const changed of outcomes.slice(2, 6)) {
      expect(changed).toMatchObject({
        reason: expect.stringMatching(
          /KEEL_ERR_ENGINE_EVENT_CONFLICT.*leg 0 \(quote\) exists with different (amount|user_data_128)/,
        ),
      });
    }
  });

  it('reports a chain the ledger refuses with the leg and TigerBeetle result, and posts nothing of it', async () => {
    const ledger = new EmbeddedLedger();
    const chain = postingChain(event(example_events.withdrawal), registry);
    const [first_leg] = chainTransfers(chain);
    // Burn the first leg's id: a transfer that failed on a missing account can never be created again.
    const burned = await ledger.createTransfers([
      newTransfer({ ...first_leg!, flags: 0, debit_account_id: 999n, credit_account_id: 998n }),
    ]);
    expect(burned[0]!.status).toBe(CreateTransferStatus.debit_account_not_found);
    const [outcome] = await new LedgerPoster(ledger).post([chain]);
    expect(outcome).toMatchObject({
      status: 'rejected',
      reason: expect.stringContaining('leg 0 (amount): id_already_failed'),
    });
    expect(await ledger.lookupTransfers(chainTransfers(chain).map((transfer) => transfer.id))).toEqual([]);
  });

  it('keeps requests within the limit and never splits a chain across requests', async () => {
    const ledger = new RecordingLedger();
    const chains = [...generateEvents(200, { seed: 5 })].map((generated) => postingChain(generated, registry));
    const outcomes = await new LedgerPoster(ledger as Ledger, 7).post(chains);
    expect(outcomes.every((outcome) => outcome.status === 'posted' || outcome.status === 'no_transfers')).toBe(true);
    expect(Math.max(...ledger.transfer_request_sizes)).toBeLessThanOrEqual(7);
    expect(ledger.transfer_request_sizes.reduce((sum, size) => sum + size, 0)).toBe(
      chains.reduce((sum, chain) => sum + chain.legs.length, 0),
    );
    expect(() => new LedgerPoster(ledger, 8190)).toThrow(RangeError);
  });
});
