// create_accounts: result codes, their precedence, and idempotency (TigerBeetle 0.17).

import { expect, it } from 'vitest';
import { AccountFlags, u128_max, type Ledger } from '../ledger-port.js';
import { account_statuses, CaseWorld, random_u128, random_u32, random_u64 } from './conformance-fixtures.js';

export function declare_account_cases(ledger: () => Ledger): void {
  it('creates accounts with zero balances and a server timestamp, and looks them up', async () => {
    const world = new CaseWorld(ledger());
    const account = world.account({ user_data_128: random_u128(), user_data_64: random_u64(), user_data_32: 9 });
    const results = await world.ledger.createAccounts([account]);
    expect(account_statuses(results)).toEqual(['created']);
    const [found] = await world.ledger.lookupAccounts([account.id]);
    expect(found).toEqual({ ...account, timestamp: results[0]!.timestamp });
    expect(results[0]!.timestamp).toBeGreaterThan(0n);
  });

  it('rejects ids 0 and u128 max', async () => {
    const world = new CaseWorld(ledger());
    const results = await world.ledger.createAccounts([world.account({ id: 0n }), world.account({ id: u128_max })]);
    expect(account_statuses(results)).toEqual(['id_must_not_be_zero', 'id_must_not_be_int_max']);
  });

  it('checks timestamp, then reserved field, then reserved flag, then id', async () => {
    const world = new CaseWorld(ledger());
    const results = await world.ledger.createAccounts([
      world.account({ id: 0n, reserved: 1, flags: 1 << 10, timestamp: 1n }),
      world.account({ id: 0n, reserved: 1, flags: 1 << 10 }),
      world.account({ id: 0n, flags: 1 << 10 }),
    ]);
    expect(account_statuses(results)).toEqual(['timestamp_must_be_zero', 'reserved_field', 'reserved_flag']);
  });

  it('checks mutually exclusive flags, then balances, then ledger, then code', async () => {
    const world = new CaseWorld(ledger());
    const both_limits = AccountFlags.debits_must_not_exceed_credits | AccountFlags.credits_must_not_exceed_debits;
    const results = await world.ledger.createAccounts([
      world.account({ flags: both_limits, debits_pending: 1n, ledger: 0, code: 0 }),
      world.account({ debits_pending: 1n, debits_posted: 1n, ledger: 0 }),
      world.account({ debits_posted: 1n, credits_pending: 1n }),
      world.account({ credits_pending: 1n, credits_posted: 1n }),
      world.account({ credits_posted: 1n, ledger: 0 }),
      world.account({ ledger: 0, code: 0 }),
      world.account({ code: 0 }),
    ]);
    expect(account_statuses(results)).toEqual([
      'flags_are_mutually_exclusive',
      'debits_pending_must_be_zero',
      'debits_posted_must_be_zero',
      'credits_pending_must_be_zero',
      'credits_posted_must_be_zero',
      'ledger_must_not_be_zero',
      'code_must_not_be_zero',
    ]);
  });

  it('answers exists with the original timestamp for an identical account', async () => {
    const world = new CaseWorld(ledger());
    const account = world.account({ flags: AccountFlags.history, user_data_32: 3 });
    const [first] = await world.ledger.createAccounts([account]);
    const results = await world.ledger.createAccounts([account]);
    expect(account_statuses(results)).toEqual(['exists']);
    expect(results[0]!.timestamp).toBe(first!.timestamp);
  });

  it('answers exists_with_different_<field> for each field, flags first', async () => {
    const world = new CaseWorld(ledger());
    const account = world.account({ user_data_128: 1n, user_data_64: 2n, user_data_32: 3 });
    await world.ledger.createAccounts([account]);
    const results = await world.ledger.createAccounts([
      { ...account, flags: AccountFlags.history, user_data_128: 9n },
      { ...account, user_data_128: 9n, user_data_64: 9n },
      { ...account, user_data_64: 9n, user_data_32: 9 },
      { ...account, user_data_32: 9, ledger: world.other_ledger_number },
      { ...account, ledger: world.other_ledger_number, code: 9 },
      { ...account, code: 9 },
    ]);
    expect(account_statuses(results)).toEqual([
      'exists_with_different_flags',
      'exists_with_different_user_data_128',
      'exists_with_different_user_data_64',
      'exists_with_different_user_data_32',
      'exists_with_different_ledger',
      'exists_with_different_code',
    ]);
  });

  it('checks idempotency before field validation: balances and a zero ledger do not matter', async () => {
    const world = new CaseWorld(ledger());
    const account = world.account();
    await world.ledger.createAccounts([account]);
    const results = await world.ledger.createAccounts([
      { ...account, debits_posted: 5n, credits_pending: 5n },
      { ...account, ledger: 0 },
      {
        ...account,
        id: account.id,
        flags: AccountFlags.debits_must_not_exceed_credits | AccountFlags.credits_must_not_exceed_debits,
      },
    ]);
    expect(account_statuses(results)).toEqual([
      'exists',
      'exists_with_different_ledger',
      'exists_with_different_flags',
    ]);
  });

  it('stores the linked flag, so a chain member resubmitted alone differs in flags', async () => {
    const world = new CaseWorld(ledger());
    const first = world.account({ flags: AccountFlags.linked });
    const second = world.account();
    await world.ledger.createAccounts([first, second]);
    const [found] = await world.ledger.lookupAccounts([first.id]);
    expect(found!.flags).toBe(AccountFlags.linked);
    const results = await world.ledger.createAccounts([{ ...first, flags: AccountFlags.none }]);
    expect(account_statuses(results)).toEqual(['exists_with_different_flags']);
  });

  it('sees earlier events of the same batch: a repeated id answers exists', async () => {
    const world = new CaseWorld(ledger());
    const account = world.account();
    const results = await world.ledger.createAccounts([account, account, { ...account, code: 2 }]);
    expect(account_statuses(results)).toEqual(['created', 'exists', 'exists_with_different_code']);
    expect(results[1]!.timestamp).toBe(results[0]!.timestamp);
  });

  it('rolls back a failed linked chain of accounts and burns no account id', async () => {
    const world = new CaseWorld(ledger());
    const first = world.account({ flags: AccountFlags.linked });
    const failing = world.account({ flags: AccountFlags.linked, code: 0 });
    const last = world.account();
    const results = await world.ledger.createAccounts([first, failing, last]);
    expect(account_statuses(results)).toEqual(['linked_event_failed', 'code_must_not_be_zero', 'linked_event_failed']);
    expect(await world.ledger.lookupAccounts([first.id, failing.id, last.id])).toEqual([]);
    // create_accounts has no transient results: every id of the chain is still usable.
    const retry = await world.ledger.createAccounts([first, { ...failing, code: 1 }, last]);
    expect(account_statuses(retry)).toEqual(['created', 'created', 'created']);
  });

  it('answers linked_event_chain_open for a batch ending in a linked account', async () => {
    const world = new CaseWorld(ledger());
    const alone = world.account();
    const chained = world.account({ flags: AccountFlags.linked });
    const open_end = world.account({ flags: AccountFlags.linked, id: 0n });
    const results = await world.ledger.createAccounts([alone, chained, open_end]);
    expect(account_statuses(results)).toEqual(['created', 'linked_event_failed', 'linked_event_chain_open']);
    expect((await world.ledger.lookupAccounts([alone.id, chained.id])).map((account) => account.id)).toEqual([
      alone.id,
    ]);
  });

  it('gives every event of a batch its own consecutive timestamp, failed or not', async () => {
    const world = new CaseWorld(ledger());
    const results = await world.ledger.createAccounts([world.account(), world.account({ code: 0 }), world.account()]);
    expect(account_statuses(results)).toEqual(['created', 'code_must_not_be_zero', 'created']);
    const [first, second, third] = results.map((result) => result.timestamp);
    expect(second).toBe(first! + 1n);
    expect(third).toBe(first! + 2n);
    const later = await world.ledger.createAccounts([world.account()]);
    expect(later[0]!.timestamp).toBeGreaterThan(third!);
  });

  it('keeps user data exactly, including the u128, u64 and u32 extremes', async () => {
    const world = new CaseWorld(ledger());
    const account = world.account({
      user_data_128: u128_max,
      user_data_64: (1n << 64n) - 1n,
      user_data_32: random_u32(),
    });
    await world.ledger.createAccounts([account]);
    const [found] = await world.ledger.lookupAccounts([account.id]);
    expect(found!.user_data_128).toBe(u128_max);
    expect(found!.user_data_64).toBe((1n << 64n) - 1n);
    expect(found!.user_data_32).toBe(account.user_data_32);
  });
}
