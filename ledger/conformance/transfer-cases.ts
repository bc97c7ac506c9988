// create_transfers: result codes, their precedence, idempotency, transient failures and the
// balance-limit flags (TigerBeetle 0.17).

import { expect, it } from 'vitest';
import { AccountFlags, TransferFlags, u128_max, type Ledger } from '../ledger-port.js';
import { CaseWorld, posted, random_u128, transfer_statuses } from './conformance-fixtures.js';

export function declare_transfer_cases(ledger: () => Ledger): void {
  it('moves posted balances and stores the transfer as sent, stamped with the result timestamp', async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit] = await world.open_accounts(2);
    const transfer = world.transfer(debit!, credit!, 125n, {
      user_data_128: random_u128(),
      user_data_64: 5n,
      user_data_32: 6,
    });
    const [stored] = await world.post([transfer]);
    expect(await world.ledger.lookupTransfers([transfer.id])).toEqual([stored]);
    expect(await world.balances(debit!)).toEqual(posted(125n, 0n));
    expect(await world.balances(credit!)).toEqual(posted(0n, 125n));
  });

  it('accepts a zero amount, which moves nothing', async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit] = await world.open_accounts(2);
    await world.post([world.transfer(debit!, credit!, 0n)]);
    expect(await world.balances(debit!)).toEqual(posted(0n, 0n));
  });

  it('checks timestamp, then reserved flag, then id', async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit] = await world.open_accounts(2);
    const results = await world.ledger.createTransfers([
      world.transfer(debit!, credit!, 1n, { id: 0n, flags: 1 << 12, timestamp: 1n }),
      world.transfer(debit!, credit!, 1n, { id: 0n, flags: 1 << 12 }),
      world.transfer(debit!, credit!, 1n, { id: 0n }),
      world.transfer(debit!, credit!, 1n, { id: u128_max }),
    ]);
    expect(transfer_statuses(results)).toEqual([
      'timestamp_must_be_zero',
      'reserved_flag',
      'id_must_not_be_zero',
      'id_must_not_be_int_max',
    ]);
  });

  it('checks account ids in order: debit zero, debit max, credit zero, credit max, same account', async () => {
    const world = new CaseWorld(ledger());
    const [account] = await world.open_accounts(1);
    const results = await world.ledger.createTransfers([
      world.transfer(0n, 0n, 1n),
      world.transfer(u128_max, 0n, 1n),
      world.transfer(account!, 0n, 1n),
      world.transfer(account!, u128_max, 1n),
      world.transfer(account!, account!, 1n, { pending_id: 5n, ledger: 0 }),
    ]);
    expect(transfer_statuses(results)).toEqual([
      'debit_account_id_must_not_be_zero',
      'debit_account_id_must_not_be_int_max',
      'credit_account_id_must_not_be_zero',
      'credit_account_id_must_not_be_int_max',
      'accounts_must_be_different',
    ]);
  });

  it('checks pending_id, timeout, closing, ledger and code before looking up accounts', async () => {
    const world = new CaseWorld(ledger());
    const missing = random_u128();
    const other_missing = random_u128();
    const results = await world.ledger.createTransfers([
      world.transfer(missing, other_missing, 1n, { pending_id: 5n, timeout: 1, ledger: 0 }),
      world.transfer(missing, other_missing, 1n, { timeout: 1, flags: TransferFlags.closing_debit }),
      world.transfer(missing, other_missing, 1n, { flags: TransferFlags.closing_credit, ledger: 0 }),
      world.transfer(missing, other_missing, 1n, { ledger: 0, code: 0 }),
      world.transfer(missing, other_missing, 1n, { code: 0 }),
      world.transfer(missing, other_missing, 1n),
    ]);
    expect(transfer_statuses(results)).toEqual([
      'pending_id_must_be_zero',
      'timeout_reserved_for_pending_transfer',
      'closing_transfer_must_be_pending',
      'ledger_must_not_be_zero',
      'code_must_not_be_zero',
      'debit_account_not_found',
    ]);
  });

  it('checks debit account, credit account, then ledgers', async () => {
    const world = new CaseWorld(ledger());
    const [here] = await world.open_accounts(1);
    const [there] = await world.open_accounts(1, { ledger: world.other_ledger_number });
    const missing = random_u128();
    const results = await world.ledger.createTransfers([
      world.transfer(missing, random_u128(), 1n),
      world.transfer(here!, missing, 1n),
      world.transfer(here!, there!, 1n, { ledger: world.other_ledger_number }),
    ]);
    expect(transfer_statuses(results)).toEqual([
      'debit_account_not_found',
      'credit_account_not_found',
      'accounts_must_have_the_same_ledger',
    ]);
    const [second] = await world.open_accounts(1);
    const mismatch = await world.ledger.createTransfers([
      world.transfer(here!, second!, 1n, { ledger: world.other_ledger_number }),
    ]);
    expect(transfer_statuses(mismatch)).toEqual(['transfer_must_have_the_same_ledger_as_accounts']);
  });

  it('answers exists with the original timestamp, even when the accounts could not take it now', async () => {
    const world = new CaseWorld(ledger());
    const [debit] = await world.open_accounts(1, { flags: AccountFlags.debits_must_not_exceed_credits });
    const [credit] = await world.open_accounts(1);
    const [funding] = await world.post([world.transfer(credit!, debit!, 10n)]);
    const [spend] = await world.post([world.transfer(debit!, credit!, 10n)]);
    const results = await world.ledger.createTransfers(
      [spend!, funding!].map((transfer) => ({ ...transfer, timestamp: 0n })),
    );
    expect(transfer_statuses(results)).toEqual(['exists', 'exists']);
    expect(results.map((result) => result.timestamp)).toEqual([spend!.timestamp, funding!.timestamp]);
    expect(await world.balances(debit!)).toEqual(posted(10n, 10n));
  });

  it('answers exists_with_different_<field> for each field, in TigerBeetle order', async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit, other] = await world.open_accounts(3);
    const transfer = world.transfer(debit!, credit!, 10n, { user_data_128: 1n, user_data_64: 2n, user_data_32: 3 });
    await world.post([transfer]);
    const results = await world.ledger.createTransfers([
      { ...transfer, flags: TransferFlags.pending, pending_id: 9n },
      { ...transfer, pending_id: 9n, timeout: 9 },
      { ...transfer, timeout: 9, debit_account_id: other! },
      { ...transfer, debit_account_id: other!, credit_account_id: other! },
      { ...transfer, credit_account_id: other!, amount: 11n },
      { ...transfer, amount: 11n, user_data_128: 9n },
      { ...transfer, user_data_128: 9n, user_data_64: 9n },
      { ...transfer, user_data_64: 9n, user_data_32: 9 },
      { ...transfer, user_data_32: 9, ledger: world.other_ledger_number },
      { ...transfer, ledger: world.other_ledger_number, code: 9 },
      { ...transfer, code: 9 },
      transfer,
    ]);
    expect(transfer_statuses(results)).toEqual([
      'exists_with_different_flags',
      'exists_with_different_pending_id',
      'exists_with_different_timeout',
      'exists_with_different_debit_account_id',
      'exists_with_different_credit_account_id',
      'exists_with_different_amount',
      'exists_with_different_user_data_128',
      'exists_with_different_user_data_64',
      'exists_with_different_user_data_32',
      'exists_with_different_ledger',
      'exists_with_different_code',
      'exists',
    ]);
  });

  it('burns the id of a transfer that failed on a missing account (id_already_failed)', async () => {
    const world = new CaseWorld(ledger());
    const [debit] = await world.open_accounts(1);
    const credit_id = random_u128();
    const transfer = world.transfer(debit!, credit_id, 5n);
    const first = await world.ledger.createTransfers([transfer, transfer]);
    expect(transfer_statuses(first)).toEqual(['credit_account_not_found', 'id_already_failed']);
    await world.ledger.createAccounts([world.account({ id: credit_id })]);
    const retry = await world.ledger.createTransfers([transfer, { ...transfer, amount: 6n, code: 0 }]);
    expect(transfer_statuses(retry)).toEqual(['id_already_failed', 'id_already_failed']);
    expect(await world.ledger.lookupTransfers([transfer.id])).toEqual([]);
    await world.post([{ ...transfer, id: random_u128() }]);
  });

  it('does not burn the id after a validation failure that does not depend on state', async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit] = await world.open_accounts(2);
    const [elsewhere] = await world.open_accounts(1, { ledger: world.other_ledger_number });
    const transfer = world.transfer(debit!, elsewhere!, 5n);
    const results = await world.ledger.createTransfers([transfer, { ...transfer, ledger: 0 }]);
    expect(transfer_statuses(results)).toEqual(['accounts_must_have_the_same_ledger', 'ledger_must_not_be_zero']);
    await world.post([{ ...transfer, credit_account_id: credit! }]);
  });

  it('enforces debits_must_not_exceed_credits (exceeds_credits), at the exact boundary, and burns the id', async () => {
    const world = new CaseWorld(ledger());
    const [limited] = await world.open_accounts(1, { flags: AccountFlags.debits_must_not_exceed_credits });
    const [other] = await world.open_accounts(1);
    await world.post([world.transfer(other!, limited!, 100n)]);
    const over = world.transfer(limited!, other!, 101n);
    const results = await world.ledger.createTransfers([
      over,
      world.transfer(limited!, other!, 100n),
      world.transfer(limited!, other!, 1n),
    ]);
    expect(transfer_statuses(results)).toEqual(['exceeds_credits', 'created', 'exceeds_credits']);
    expect(await world.balances(limited!)).toEqual(posted(100n, 100n));
    expect(transfer_statuses(await world.ledger.createTransfers([{ ...over, amount: 0n }]))).toEqual([
      'id_already_failed',
    ]);
  });

  it('enforces credits_must_not_exceed_debits (exceeds_debits)', async () => {
    const world = new CaseWorld(ledger());
    const [limited] = await world.open_accounts(1, { flags: AccountFlags.credits_must_not_exceed_debits });
    const [other] = await world.open_accounts(1);
    const results = await world.ledger.createTransfers([
      world.transfer(other!, limited!, 1n),
      world.transfer(limited!, other!, 50n),
      world.transfer(other!, limited!, 50n),
      world.transfer(other!, limited!, 1n),
    ]);
    expect(transfer_statuses(results)).toEqual(['exceeds_debits', 'created', 'created', 'exceeds_debits']);
    expect(await world.balances(limited!)).toEqual(posted(50n, 50n));
  });

  it('reports exceeds_credits before exceeds_debits when both limits are hit', async () => {
    const world = new CaseWorld(ledger());
    const [debit] = await world.open_accounts(1, { flags: AccountFlags.debits_must_not_exceed_credits });
    const [credit] = await world.open_accounts(1, { flags: AccountFlags.credits_must_not_exceed_debits });
    const results = await world.ledger.createTransfers([world.transfer(debit!, credit!, 1n)]);
    expect(transfer_statuses(results)).toEqual(['exceeds_credits']);
  });

  it('reports overflows_debits_posted before overflows_credits_posted, and overflow before limits', async () => {
    const world = new CaseWorld(ledger());
    const [full_debit, full_credit, spare] = await world.open_accounts(3);
    const [limited] = await world.open_accounts(1, { flags: AccountFlags.credits_must_not_exceed_debits });
    await world.post([world.transfer(full_debit!, full_credit!, u128_max)]);
    const results = await world.ledger.createTransfers([
      world.transfer(full_debit!, full_credit!, 1n),
      world.transfer(spare!, full_credit!, 1n),
      world.transfer(full_debit!, limited!, 1n),
    ]);
    expect(transfer_statuses(results)).toEqual([
      'overflows_debits_posted',
      'overflows_credits_posted',
      'overflows_debits_posted',
    ]);
  });

  it('caps a balancing_debit transfer at what the debit account holds', async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit] = await world.open_accounts(2);
    await world.post([world.transfer(credit!, debit!, 30n)]);
    const balancing = world.transfer(debit!, credit!, 100n, { flags: TransferFlags.balancing_debit });
    await world.post([balancing]);
    const [stored] = await world.ledger.lookupTransfers([balancing.id]);
    expect(stored!.amount).toBe(30n);
    expect(await world.balances(debit!)).toEqual(posted(30n, 30n));
    // The requested amount is an upper bound: resubmitting it, or any bound at or above 30, is `exists`.
    const again = await world.ledger.createTransfers([
      balancing,
      { ...balancing, amount: 30n },
      { ...balancing, amount: 29n },
    ]);
    expect(transfer_statuses(again)).toEqual(['exists', 'exists', 'exists_with_different_amount']);
  });

  it('looks up in request order, skipping missing ids and repeating repeated ones', async () => {
    const world = new CaseWorld(ledger());
    const [first, second] = await world.open_accounts(2);
    const missing = random_u128();
    const accounts = await world.ledger.lookupAccounts([second!, missing, first!, second!]);
    expect(accounts.map((account) => account.id)).toEqual([second, first, second]);
    const [one, two] = await world.post([world.transfer(first!, second!, 1n), world.transfer(second!, first!, 2n)]);
    const transfers = await world.ledger.lookupTransfers([two!.id, missing, one!.id, 0n]);
    expect(transfers.map((transfer) => transfer.id)).toEqual([two!.id, one!.id]);
  });

  it('returns copies: mutating a result does not change the ledger', async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit] = await world.open_accounts(2);
    const [transfer] = await world.post([world.transfer(debit!, credit!, 3n)]);
    const [account] = await world.ledger.lookupAccounts([debit!]);
    account!.debits_posted = 999n;
    const [found] = await world.ledger.lookupTransfers([transfer!.id]);
    found!.amount = 999n;
    expect(await world.balances(debit!)).toEqual(posted(3n, 0n));
    expect((await world.ledger.lookupTransfers([transfer!.id]))[0]!.amount).toBe(3n);
  });
}
