// The posting step: bad input becomes an outcome, a broken invariant (a bug in Keel) is thrown
// with its own code and never dead-lettered.
import { describe, expect, it } from 'vitest';
import { AssetRegistry } from '../ledger/asset-registry.js';
import { EmbeddedLedger } from '../ledger/embedded-ledger.js';
import { isInvariantBroken } from '../platform/errors.js';
import { example_events } from '../test/support/example-events.js';
import { InconsistentRegistryMock } from '../test/support/inconsistent-registry-mock.js';
import { parseEvent } from './event-schema.js';
import { LedgerPoster } from './ledger-poster.js';
import { postInputs } from './post-batch.js';
import { assertChainBalanced, postingChain } from './posting-rules.js';

const parsed_transfer = parseEvent(example_events.transfer);
if (!parsed_transfer.ok) throw new Error('the example transfer is not a valid event');
const transfer = parsed_transfer.event;

function inputsOf(values: readonly unknown[]) {
  return values.map((value, index) => ({
    value: JSON.stringify(value),
    key: null,
    source: { topic: 'test', partition: 0, offset: String(index) },
  }));
}

describe('posting step', () => {
  it('turns bad input into dead-lettered outcomes and posts the rest, with counts', async () => {
    const ledger = new EmbeddedLedger();
    const inputs = inputsOf([
      example_events.deposit,
      { ...example_events.withdrawal, asset: 'NOPE' },
      example_events.decision,
    ]);
    const posted = await postInputs(inputs, new LedgerPoster(ledger), new AssetRegistry());
    expect(posted.outcomes.map((outcome) => outcome.status)).toEqual(['posted', 'invalid', 'no_transfers']);
    expect(posted.counts).toMatchObject({
      read: 3,
      posted: 1,
      no_transfers: 1,
      failed: { invalid: 1, conflict: 0, rejected: 0 },
    });
    expect(posted.dead_letters.map(({ letter }) => [letter.source.offset, letter.code])).toEqual([
      ['1', 'KEEL_ERR_LEDGER_ASSET_UNKNOWN'],
    ]);
  });

  it('throws a broken invariant with its own code instead of dead-lettering the event, and posts nothing of the batch', async () => {
    const registry = new InconsistentRegistryMock();
    expect(() => postingChain(transfer, registry)).toThrow(/KEEL_ERR_ENGINE_INVARIANT_BROKEN|out of balance/);
    const ledger = new EmbeddedLedger();
    const attempt = postInputs(
      inputsOf([example_events.deposit, example_events.transfer]),
      new LedgerPoster(ledger),
      new InconsistentRegistryMock(),
    );
    await expect(attempt).rejects.toMatchObject({
      code: 'KEEL_ERR_ENGINE_INVARIANT_BROKEN',
      message: expect.stringContaining('out of balance'),
    });
    await attempt.catch((error: unknown) => expect(isInvariantBroken(error)).toBe(true));
    const afterwards = await postInputs(
      inputsOf([example_events.deposit]),
      new LedgerPoster(ledger),
      new AssetRegistry(),
    );
    expect(afterwards.outcomes.map((outcome) => outcome.status)).toEqual(['posted']);
  });

  it('checks every leg of a chain: an unbalanced chain is an InvariantError', () => {
    const chain = postingChain(transfer, new AssetRegistry());
    const [leg] = chain.legs;
    const unbalanced = { ...chain, legs: [{ ...leg!, credit: { ...leg!.credit, ledger: leg!.credit.ledger + 1 } }] };
    expect(() => assertChainBalanced(unbalanced)).toThrow(
      expect.objectContaining({ code: 'KEEL_ERR_ENGINE_INVARIANT_BROKEN' }),
    );
  });
});
