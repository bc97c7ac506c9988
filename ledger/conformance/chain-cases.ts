// Linked chains of transfers: atomicity, rollback wherever the failing event sits, open chains,
// resubmission of chains, and timestamps (TigerBeetle 0.17).

import { expect, it } from 'vitest';
import { accountFilter, AccountFlags, queryFilter, TransferFlags, type Ledger } from '../ledger-port.js';
import { CaseWorld, posted, random_u128, transfer_statuses } from './conformance-fixtures.js';

const linked = TransferFlags.linked;

export function declare_chain_cases(ledger: () => Ledger): void {
  it('applies a linked chain as a unit, each event seeing the ones before it', async () => {
    const world = new CaseWorld(ledger());
    const [limited] = await world.open_accounts(1, { flags: AccountFlags.debits_must_not_exceed_credits });
    const [other] = await world.open_accounts(1);
    // The spend is only allowed because the funding before it in the chain has applied.
    await world.post([world.transfer(other!, limited!, 40n, { flags: linked }), world.transfer(limited!, other!, 40n)]);
    expect(await world.balances(limited!)).toEqual(posted(40n, 40n));
  });

  it('rolls back the whole chain when its last event fails, leaving balances unchanged', async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit] = await world.open_accounts(2);
    const first = world.transfer(debit!, credit!, 10n, { flags: linked });
    const second = world.transfer(debit!, credit!, 20n, { flags: linked });
    const failing = world.transfer(debit!, random_u128(), 30n);
    const results = await world.ledger.createTransfers([first, second, failing]);
    expect(transfer_statuses(results)).toEqual([
      'linked_event_failed',
      'linked_event_failed',
      'credit_account_not_found',
    ]);
    expect(await world.balances(debit!)).toEqual(posted(0n, 0n));
    expect(await world.balances(credit!)).toEqual(posted(0n, 0n));
    expect(await world.ledger.lookupTransfers([first.id, second.id, failing.id])).toEqual([]);
  });

  it('fails every other event of the chain when the failing event is in the middle', async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit] = await world.open_accounts(2);
    const before = world.transfer(debit!, credit!, 1n);
    const head = world.transfer(debit!, credit!, 10n, { flags: linked });
    const middle = world.transfer(debit!, credit!, 20n, { flags: linked, code: 0 });
    const tail = world.transfer(debit!, credit!, 30n);
    const after = world.transfer(credit!, debit!, 2n);
    const results = await world.ledger.createTransfers([before, head, middle, tail, after]);
    expect(transfer_statuses(results)).toEqual([
      'created',
      'linked_event_failed',
      'code_must_not_be_zero',
      'linked_event_failed',
      'created',
    ]);
    expect(await world.balances(debit!)).toEqual(posted(1n, 2n));
    expect(
      (await world.ledger.lookupTransfers([before.id, head.id, tail.id, after.id])).map((transfer) => transfer.id),
    ).toEqual([before.id, after.id]);
  });

  it('runs chains in one batch independently of each other', async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit] = await world.open_accounts(2);
    const results = await world.ledger.createTransfers([
      world.transfer(debit!, credit!, 1n, { flags: linked }),
      world.transfer(debit!, credit!, 2n, { ledger: 0 }),
      world.transfer(debit!, credit!, 4n, { flags: linked }),
      world.transfer(debit!, credit!, 8n),
    ]);
    expect(transfer_statuses(results)).toEqual([
      'linked_event_failed',
      'ledger_must_not_be_zero',
      'created',
      'created',
    ]);
    expect(await world.balances(credit!)).toEqual(posted(0n, 12n));
  });

  it('burns only the failing event id of a chain; the rolled-back ids stay usable', async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit] = await world.open_accounts(2);
    const head = world.transfer(debit!, credit!, 10n, { flags: linked });
    const failing = world.transfer(random_u128(), credit!, 10n);
    const results = await world.ledger.createTransfers([head, failing]);
    expect(transfer_statuses(results)).toEqual(['linked_event_failed', 'debit_account_not_found']);
    const retry = await world.ledger.createTransfers([
      { ...head, flags: TransferFlags.none },
      { ...failing, debit_account_id: debit! },
    ]);
    expect(transfer_statuses(retry)).toEqual(['created', 'id_already_failed']);
  });

  it('answers linked_event_chain_open for a linked last event, before any other check', async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit] = await world.open_accounts(2);
    const alone = await world.ledger.createTransfers([world.transfer(debit!, credit!, 1n, { flags: linked, id: 0n })]);
    expect(transfer_statuses(alone)).toEqual(['linked_event_chain_open']);
    const results = await world.ledger.createTransfers([
      world.transfer(debit!, credit!, 1n),
      world.transfer(debit!, credit!, 2n, { flags: linked }),
      world.transfer(debit!, credit!, 4n, { flags: linked }),
    ]);
    expect(transfer_statuses(results)).toEqual(['created', 'linked_event_failed', 'linked_event_chain_open']);
    expect(await world.balances(debit!)).toEqual(posted(1n, 0n));
  });

  it('answers linked_event_chain_open even when the open chain had already failed', async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit] = await world.open_accounts(2);
    const results = await world.ledger.createTransfers([
      world.transfer(debit!, credit!, 1n, { flags: linked, code: 0 }),
      world.transfer(debit!, credit!, 2n, { flags: linked }),
      world.transfer(debit!, credit!, 4n, { flags: linked }),
    ]);
    expect(transfer_statuses(results)).toEqual([
      'code_must_not_be_zero',
      'linked_event_failed',
      'linked_event_chain_open',
    ]);
  });

  it('resubmitting a fully created chain answers exists for its first event and fails the rest', async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit] = await world.open_accounts(2);
    const chain = [
      world.transfer(debit!, credit!, 1n, { flags: linked }),
      world.transfer(debit!, credit!, 2n, { flags: linked }),
      world.transfer(debit!, credit!, 4n),
    ];
    const created = await world.post(chain);
    const results = await world.ledger.createTransfers(chain);
    // `exists` is not `created`, so it breaks the chain like any failure would.
    expect(transfer_statuses(results)).toEqual(['exists', 'linked_event_failed', 'linked_event_failed']);
    expect(results[0]!.timestamp).toBe(created[0]!.timestamp);
    expect(await world.balances(debit!)).toEqual(posted(7n, 0n));
    // linked_event_failed is not transient: each member alone still answers exists.
    const singly = await world.ledger.createTransfers([chain[2]!]);
    expect(transfer_statuses(singly)).toEqual(['exists']);
  });

  it('a chain mixing an existing transfer with a new one creates nothing', async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit] = await world.open_accounts(2);
    const existing = world.transfer(debit!, credit!, 1n, { flags: linked });
    await world.post([existing, world.transfer(debit!, credit!, 2n)]);
    const fresh = world.transfer(debit!, credit!, 4n);
    const results = await world.ledger.createTransfers([existing, fresh]);
    expect(transfer_statuses(results)).toEqual(['exists', 'linked_event_failed']);
    expect(await world.ledger.lookupTransfers([fresh.id])).toEqual([]);
    // The stored transfer keeps its linked flag, so resubmitting it unlinked is a different transfer.
    const unlinked = await world.ledger.createTransfers([{ ...existing, flags: TransferFlags.none }]);
    expect(transfer_statuses(unlinked)).toEqual(['exists_with_different_flags']);
  });

  it('keeps the rolled-back events out of account history', async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit] = await world.open_accounts(2, { flags: AccountFlags.history });
    await world.post([world.transfer(debit!, credit!, 5n)]);
    await world.ledger.createTransfers([
      world.transfer(debit!, credit!, 6n, { flags: linked }),
      world.transfer(debit!, credit!, 7n, { code: 0 }),
    ]);
    await world.post([world.transfer(debit!, credit!, 8n)]);
    const filter = accountFilter(debit!);
    expect((await world.ledger.getAccountTransfers(filter)).map((transfer) => transfer.amount)).toEqual([5n, 8n]);
    expect((await world.ledger.getAccountBalances(filter)).map((balance) => balance.debits_posted)).toEqual([5n, 13n]);
  });

  it('stamps a chain like any batch: consecutive timestamps, rolled-back events keeping theirs', async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit] = await world.open_accounts(2);
    const results = await world.ledger.createTransfers([
      world.transfer(debit!, credit!, 1n, { flags: linked }),
      world.transfer(debit!, credit!, 2n, { flags: linked }),
      world.transfer(debit!, credit!, 4n, { ledger: 0 }),
      world.transfer(debit!, credit!, 8n),
    ]);
    expect(transfer_statuses(results)).toEqual([
      'linked_event_failed',
      'linked_event_failed',
      'ledger_must_not_be_zero',
      'created',
    ]);
    const first = results[0]!.timestamp;
    expect(results.map((result) => result.timestamp)).toEqual([first, first + 1n, first + 2n, first + 3n]);
    const stored = await world.ledger.queryTransfers(queryFilter({ ledger: world.ledger_number }));
    expect(stored.map((transfer) => transfer.timestamp)).toEqual([first + 3n]);
  });
}
