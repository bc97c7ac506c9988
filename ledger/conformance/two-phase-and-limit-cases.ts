// Two-phase transfers and imported events (which Keel does not use, but which no adapter may answer
// differently), and the client-side request limits (TigerBeetle 0.17).

import { expect, it } from 'vitest';
import {
  accountFilter,
  AccountFlags,
  batch_events_max,
  queryFilter,
  TransferFlags,
  u128_max,
  type Ledger,
} from '../ledger-port.js';
import { ledger_error_codes } from '../ledger-errors.js';
import { account_statuses, CaseWorld, random_u128, transfer_statuses } from './conformance-fixtures.js';

const pending = TransferFlags.pending;
const post = TransferFlags.post_pending_transfer;
const void_pending = TransferFlags.void_pending_transfer;

export function declare_two_phase_cases(ledger: () => Ledger): void {
  it('reserves with a pending transfer, then posts part of it', async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit] = await world.open_accounts(2);
    const [reservation] = await world.post([world.transfer(debit!, credit!, 50n, { flags: pending })]);
    expect(await world.balances(debit!)).toEqual({
      debits_pending: 50n,
      debits_posted: 0n,
      credits_pending: 0n,
      credits_posted: 0n,
    });
    const posting = world.transfer(0n, 0n, 20n, { flags: post, pending_id: reservation!.id, ledger: 0, code: 0 });
    await world.post([posting]);
    expect(await world.balances(debit!)).toEqual({
      debits_pending: 0n,
      debits_posted: 20n,
      credits_pending: 0n,
      credits_posted: 0n,
    });
    const [stored] = await world.ledger.lookupTransfers([posting.id]);
    // Zero fields are inherited from the pending transfer.
    expect(stored).toMatchObject({
      debit_account_id: debit,
      credit_account_id: credit,
      ledger: world.ledger_number,
      code: world.transfer_code,
      amount: 20n,
    });
    const again = await world.ledger.createTransfers([
      world.transfer(0n, 0n, 0n, { flags: void_pending, pending_id: reservation!.id, ledger: 0, code: 0 }),
      posting,
    ]);
    expect(transfer_statuses(again)).toEqual(['pending_transfer_already_posted', 'exists']);
  });

  it('voids a pending transfer, releasing the reservation', async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit] = await world.open_accounts(2);
    const [reservation] = await world.post([world.transfer(debit!, credit!, 50n, { flags: pending })]);
    const results = await world.ledger.createTransfers([
      world.transfer(0n, 0n, 49n, { flags: void_pending, pending_id: reservation!.id, ledger: 0, code: 0 }),
      world.transfer(0n, 0n, 51n, { flags: post, pending_id: reservation!.id, ledger: 0, code: 0 }),
      world.transfer(0n, 0n, 0n, { flags: void_pending, pending_id: reservation!.id, ledger: 0, code: 0 }),
      world.transfer(0n, 0n, 0n, { flags: void_pending, pending_id: reservation!.id, ledger: 0, code: 0 }),
    ]);
    expect(transfer_statuses(results)).toEqual([
      'pending_transfer_has_different_amount',
      'exceeds_pending_transfer_amount',
      'created',
      'pending_transfer_already_voided',
    ]);
    expect(await world.balances(credit!)).toEqual({
      debits_pending: 0n,
      debits_posted: 0n,
      credits_pending: 0n,
      credits_posted: 0n,
    });
  });

  it('checks the second phase in TigerBeetle order', async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit] = await world.open_accounts(2);
    const [single] = await world.post([world.transfer(debit!, credit!, 5n)]);
    const second_phase = (fields: Parameters<CaseWorld['transfer']>[3]) =>
      world.transfer(0n, 0n, 0n, { ledger: 0, code: 0, ...fields });
    const missing = random_u128();
    const self_id = random_u128();
    const not_found = second_phase({ flags: void_pending, pending_id: missing });
    const results = await world.ledger.createTransfers([
      second_phase({ flags: post | void_pending, pending_id: 0n }),
      second_phase({ flags: post | TransferFlags.balancing_debit }),
      second_phase({ flags: post, pending_id: 0n, timeout: 1 }),
      second_phase({ flags: post, pending_id: u128_max }),
      second_phase({ flags: post, pending_id: self_id, id: self_id }),
      second_phase({ flags: post, pending_id: missing, timeout: 1 }),
      second_phase({ flags: post, pending_id: single!.id }),
      not_found,
    ]);
    expect(transfer_statuses(results)).toEqual([
      'flags_are_mutually_exclusive',
      'flags_are_mutually_exclusive',
      'pending_id_must_not_be_zero',
      'pending_id_must_not_be_int_max',
      'pending_id_must_be_different',
      'timeout_reserved_for_pending_transfer',
      'pending_transfer_not_pending',
      'pending_transfer_not_found',
    ]);
    // pending_transfer_not_found is transient: that id is burned.
    const retry = await world.ledger.createTransfers([not_found]);
    expect(transfer_statuses(retry)).toEqual(['id_already_failed']);
  });

  it('closes an account with a pending closing transfer and reopens it on void', async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit] = await world.open_accounts(2);
    const [closing] = await world.post([
      world.transfer(debit!, credit!, 0n, { flags: pending | TransferFlags.closing_debit }),
    ]);
    const [closed] = await world.ledger.lookupAccounts([debit!]);
    expect(closed!.flags & AccountFlags.closed).toBe(AccountFlags.closed);
    const refused = await world.ledger.createTransfers([
      world.transfer(debit!, credit!, 1n),
      world.transfer(credit!, debit!, 1n),
    ]);
    expect(transfer_statuses(refused)).toEqual(['debit_account_already_closed', 'credit_account_already_closed']);
    await world.post([
      world.transfer(0n, 0n, 0n, { flags: void_pending, pending_id: closing!.id, ledger: 0, code: 0 }),
    ]);
    const [reopened] = await world.ledger.lookupAccounts([debit!]);
    expect(reopened!.flags & AccountFlags.closed).toBe(0);
    await world.post([world.transfer(debit!, credit!, 1n)]);
  });
}

/**
 * Every adapter refuses an oversized request with Keel's coded error before sending anything,
 * where tigerbeetle-node itself would throw ERR_TOO_MUCH_DATA.
 */
const too_much_data = ledger_error_codes.batch_too_large;

export function declare_limit_cases(ledger: () => Ledger): void {
  it(`rejects a request of more than ${batch_events_max} events before running any of it`, async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit] = await world.open_accounts(2);
    // ledger 0 fails without burning ids or creating anything, so a real server keeps no trace.
    const too_many = Array.from({ length: batch_events_max + 1 }, () =>
      world.transfer(debit!, credit!, 1n, { ledger: 0 }),
    );
    await expect(world.ledger.createTransfers(too_many)).rejects.toMatchObject({ code: too_much_data });
    const accounts = Array.from({ length: batch_events_max + 1 }, () => world.account({ code: 0 }));
    await expect(world.ledger.createAccounts(accounts)).rejects.toMatchObject({ code: too_much_data });
    const ids = Array.from({ length: batch_events_max + 1 }, () => random_u128());
    await expect(world.ledger.lookupAccounts(ids)).rejects.toMatchObject({ code: too_much_data });
    const exactly_max = await world.ledger.createTransfers(too_many.slice(1));
    expect(exactly_max).toHaveLength(batch_events_max);
    expect(new Set(transfer_statuses(exactly_max))).toEqual(new Set(['ledger_must_not_be_zero']));
  });

  it(`rejects a query whose limit is above ${batch_events_max}`, async () => {
    const world = new CaseWorld(ledger());
    const [account] = await world.open_accounts(1);
    const limit = batch_events_max + 1;
    await expect(world.ledger.getAccountTransfers(accountFilter(account!, { limit }))).rejects.toMatchObject({
      code: too_much_data,
    });
    await expect(world.ledger.queryTransfers(queryFilter({ limit }))).rejects.toMatchObject({ code: too_much_data });
    await expect(world.ledger.queryAccounts(queryFilter({ ledger: world.ledger_number }))).resolves.toHaveLength(1);
  });
}

/**
 * Imported events carry their own past timestamps. Each case anchors on a timestamp the ledger just
 * issued, so the imported ones are newer than everything stored and older than the next request.
 */
export function declare_imported_cases(ledger: () => Ledger): void {
  const imported_account = AccountFlags.imported;

  it('imports accounts at their own timestamps, which must not regress', async () => {
    const world = new CaseWorld(ledger());
    const [anchor] = await world.ledger.createAccounts([world.account()]);
    const at = anchor!.timestamp;
    const first = world.account({ flags: imported_account, timestamp: at + 1n });
    const results = await world.ledger.createAccounts([
      first,
      world.account({ flags: imported_account, timestamp: at + 1n }),
      world.account({ flags: imported_account, timestamp: 0n }),
      world.account({ flags: imported_account, timestamp: 1n << 62n }),
      world.account(),
    ]);
    expect(account_statuses(results)).toEqual([
      'created',
      'imported_event_timestamp_must_not_regress',
      'imported_event_timestamp_out_of_range',
      'imported_event_timestamp_must_not_advance',
      'imported_event_expected',
    ]);
    expect(results[0]!.timestamp).toBe(at + 1n);
    expect((await world.ledger.lookupAccounts([first.id]))[0]!.timestamp).toBe(at + 1n);
    const mixed = await world.ledger.createAccounts([
      world.account(),
      world.account({ flags: imported_account, timestamp: at + 2n }),
    ]);
    expect(account_statuses(mixed)).toEqual(['created', 'imported_event_not_expected']);
  });

  it('imports transfers after both accounts, at timestamps no account or transfer holds', async () => {
    const world = new CaseWorld(ledger());
    const [anchor] = await world.ledger.createAccounts([world.account()]);
    const at = anchor!.timestamp;
    const early = world.account({ flags: imported_account, timestamp: at + 2n });
    const late = world.account({ flags: imported_account, timestamp: at + 4n });
    expect(account_statuses(await world.ledger.createAccounts([early, late]))).toEqual(['created', 'created']);
    const imported = (debit: bigint, credit: bigint, timestamp: bigint) =>
      world.transfer(debit, credit, 1n, { flags: TransferFlags.imported, timestamp });
    const results = await world.ledger.createTransfers([
      imported(early.id, late.id, at + 2n),
      imported(late.id, early.id, at + 3n),
      imported(early.id, late.id, at + 3n),
      imported(early.id, late.id, at + 5n),
      imported(early.id, late.id, at + 5n),
    ]);
    expect(transfer_statuses(results)).toEqual([
      'imported_event_timestamp_must_not_regress',
      'imported_event_timestamp_must_postdate_debit_account',
      'imported_event_timestamp_must_postdate_credit_account',
      'created',
      'imported_event_timestamp_must_not_regress',
    ]);
    expect(results[3]!.timestamp).toBe(at + 5n);
  });
}
