// History and queries: get_account_balances, get_account_transfers, query_transfers and
// query_accounts with TigerBeetle 0.17's filter semantics.

import { expect, it } from 'vitest';
import {
  accountFilter,
  AccountFilterFlags,
  AccountFlags,
  queryFilter,
  QueryFilterFlags,
  u128_max,
  type Ledger,
  type Transfer,
} from '../ledger-port.js';
import { CaseWorld, random_u128, random_u32, random_u64 } from './conformance-fixtures.js';

const debits = AccountFilterFlags.debits;
const credits = AccountFilterFlags.credits;
const reversed = AccountFilterFlags.reversed;

/** An account with history and four transfers touching it: debits 10 and 30, credits 20 and 40. */
async function history_world(ledger: Ledger): Promise<{ world: CaseWorld; account: bigint; transfers: Transfer[] }> {
  const world = new CaseWorld(ledger);
  const [account] = await world.open_accounts(1, { flags: AccountFlags.history });
  const [other] = await world.open_accounts(1);
  const transfers = await world.post([
    world.transfer(account!, other!, 10n, { user_data_64: 1n, code: 1 }),
    world.transfer(other!, account!, 20n, { user_data_64: 2n, code: 2 }),
  ]);
  // A second request, so the history spans more than one batch.
  transfers.push(
    ...(await world.post([
      world.transfer(account!, other!, 30n, { user_data_64: 1n, code: 2 }),
      world.transfer(other!, account!, 40n, { user_data_64: 2n, code: 1 }),
    ])),
  );
  return { world, account: account!, transfers };
}

export function declare_query_cases(ledger: () => Ledger): void {
  it('get_account_balances returns the balance after each transfer, with its timestamp', async () => {
    const { world, account, transfers } = await history_world(ledger());
    const balances = await world.ledger.getAccountBalances(accountFilter(account));
    expect(balances).toEqual([
      {
        debits_pending: 0n,
        debits_posted: 10n,
        credits_pending: 0n,
        credits_posted: 0n,
        timestamp: transfers[0]!.timestamp,
      },
      {
        debits_pending: 0n,
        debits_posted: 10n,
        credits_pending: 0n,
        credits_posted: 20n,
        timestamp: transfers[1]!.timestamp,
      },
      {
        debits_pending: 0n,
        debits_posted: 40n,
        credits_pending: 0n,
        credits_posted: 20n,
        timestamp: transfers[2]!.timestamp,
      },
      {
        debits_pending: 0n,
        debits_posted: 40n,
        credits_pending: 0n,
        credits_posted: 60n,
        timestamp: transfers[3]!.timestamp,
      },
    ]);
  });

  it('get_account_balances honours inclusive timestamp bounds, reversed order, limit and side filters', async () => {
    const { world, account, transfers } = await history_world(ledger());
    const [, second, third, fourth] = transfers.map((transfer) => transfer.timestamp);
    const ranged = await world.ledger.getAccountBalances(
      accountFilter(account, { timestamp_min: second!, timestamp_max: third! }),
    );
    expect(ranged.map((balance) => balance.timestamp)).toEqual([second, third]);
    const newest = await world.ledger.getAccountBalances(
      accountFilter(account, { flags: debits | credits | reversed, limit: 2 }),
    );
    expect(newest.map((balance) => [balance.debits_posted, balance.credits_posted])).toEqual([
      [40n, 60n],
      [40n, 20n],
    ]);
    const only_credits = await world.ledger.getAccountBalances(accountFilter(account, { flags: credits }));
    expect(only_credits.map((balance) => balance.timestamp)).toEqual([second, fourth]);
    expect(only_credits.map((balance) => balance.credits_posted)).toEqual([20n, 60n]);
  });

  it('get_account_balances is empty for an account without the history flag', async () => {
    const world = new CaseWorld(ledger());
    const [plain, other] = await world.open_accounts(2);
    await world.post([world.transfer(plain!, other!, 5n)]);
    expect(await world.ledger.getAccountBalances(accountFilter(plain!))).toEqual([]);
    expect(await world.ledger.getAccountTransfers(accountFilter(plain!))).toHaveLength(1);
  });

  it('get_account_transfers filters by side, and orders oldest first unless reversed', async () => {
    const { world, account, transfers } = await history_world(ledger());
    const amounts = async (flags: number, limit = 10): Promise<bigint[]> =>
      (await world.ledger.getAccountTransfers(accountFilter(account, { flags, limit }))).map(
        (transfer) => transfer.amount,
      );
    expect(await amounts(debits | credits)).toEqual([10n, 20n, 30n, 40n]);
    expect(await amounts(debits)).toEqual([10n, 30n]);
    expect(await amounts(credits)).toEqual([20n, 40n]);
    expect(await amounts(debits | credits | reversed)).toEqual([40n, 30n, 20n, 10n]);
    expect(await amounts(debits | credits | reversed, 3)).toEqual([40n, 30n, 20n]);
    expect(await amounts(credits, 1)).toEqual([20n]);
    const all = await world.ledger.getAccountTransfers(accountFilter(account));
    expect(all).toEqual(transfers);
  });

  it('get_account_transfers filters by user_data and code (zero = any), and by inclusive timestamps', async () => {
    const { world, account, transfers } = await history_world(ledger());
    const amounts = async (fields: Parameters<typeof accountFilter>[1]): Promise<bigint[]> =>
      (await world.ledger.getAccountTransfers(accountFilter(account, fields))).map((transfer) => transfer.amount);
    expect(await amounts({ user_data_64: 1n })).toEqual([10n, 30n]);
    expect(await amounts({ code: 1 })).toEqual([10n, 40n]);
    expect(await amounts({ code: 2, user_data_64: 1n })).toEqual([30n]);
    expect(await amounts({ user_data_32: 77 })).toEqual([]);
    expect(await amounts({ timestamp_min: transfers[1]!.timestamp })).toEqual([20n, 30n, 40n]);
    expect(await amounts({ timestamp_max: transfers[1]!.timestamp })).toEqual([10n, 20n]);
    expect(await amounts({ timestamp_min: transfers[2]!.timestamp, timestamp_max: transfers[2]!.timestamp })).toEqual([
      30n,
    ]);
  });

  it('answers an invalid account filter with no results', async () => {
    const { world, account, transfers } = await history_world(ledger());
    const invalid = [
      accountFilter(account, { limit: 0 }),
      accountFilter(account, { flags: AccountFilterFlags.none }),
      accountFilter(account, { flags: reversed }),
      accountFilter(account, { timestamp_min: transfers[2]!.timestamp, timestamp_max: transfers[1]!.timestamp }),
      accountFilter(0n),
      accountFilter(u128_max),
      accountFilter(random_u128()),
    ];
    for (const filter of invalid) {
      expect(await world.ledger.getAccountTransfers(filter)).toEqual([]);
      expect(await world.ledger.getAccountBalances(filter)).toEqual([]);
    }
  });

  it('query_transfers filters by user_data_128, user_data_64, user_data_32, ledger and code', async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit] = await world.open_accounts(2);
    const tag = random_u128();
    const time = random_u64();
    const marker = random_u32();
    const [first, second, third] = await world.post([
      world.transfer(debit!, credit!, 1n, { user_data_128: tag, user_data_64: time, code: 3 }),
      world.transfer(debit!, credit!, 2n, { user_data_128: tag, user_data_32: marker }),
      world.transfer(debit!, credit!, 3n, { user_data_64: time, user_data_32: marker, code: 3 }),
    ]);
    const ids = async (fields: Parameters<typeof queryFilter>[0]): Promise<bigint[]> =>
      (await world.ledger.queryTransfers(queryFilter(fields))).map((transfer) => transfer.id);
    expect(await ids({ user_data_128: tag })).toEqual([first!.id, second!.id]);
    expect(await ids({ user_data_64: time })).toEqual([first!.id, third!.id]);
    expect(await ids({ user_data_32: marker })).toEqual([second!.id, third!.id]);
    expect(await ids({ ledger: world.ledger_number })).toEqual([first!.id, second!.id, third!.id]);
    expect(await ids({ ledger: world.ledger_number, code: 3 })).toEqual([first!.id, third!.id]);
    expect(await ids({ user_data_128: tag, user_data_64: time })).toEqual([first!.id]);
    expect(await world.ledger.queryTransfers(queryFilter({ user_data_128: tag, user_data_32: marker }))).toEqual([
      second,
    ]);
  });

  it('query_transfers honours reversed, limit and inclusive timestamp bounds', async () => {
    const world = new CaseWorld(ledger());
    const [debit, credit] = await world.open_accounts(2);
    const created = await world.post([1n, 2n, 3n, 4n].map((amount) => world.transfer(debit!, credit!, amount)));
    const amounts = async (fields: Parameters<typeof queryFilter>[0]): Promise<bigint[]> =>
      (await world.ledger.queryTransfers(queryFilter({ ledger: world.ledger_number, ...fields }))).map(
        (transfer) => transfer.amount,
      );
    expect(await amounts({ flags: QueryFilterFlags.reversed })).toEqual([4n, 3n, 2n, 1n]);
    expect(await amounts({ flags: QueryFilterFlags.reversed, limit: 2 })).toEqual([4n, 3n]);
    expect(await amounts({ limit: 1 })).toEqual([1n]);
    expect(await amounts({ timestamp_min: created[1]!.timestamp, timestamp_max: created[2]!.timestamp })).toEqual([
      2n,
      3n,
    ]);
    expect(await amounts({ limit: 0 })).toEqual([]);
    expect(await amounts({ timestamp_min: created[2]!.timestamp, timestamp_max: created[1]!.timestamp })).toEqual([]);
  });

  it('query_accounts filters by user data, ledger and code', async () => {
    const world = new CaseWorld(ledger());
    const tag = random_u128();
    const time = random_u64();
    const [first, second, third] = [
      world.account({ user_data_128: tag, user_data_64: time, code: 5 }),
      world.account({ user_data_128: tag, user_data_32: 8 }),
      world.account({ user_data_64: time, user_data_32: 8, code: 5 }),
    ];
    const results = await world.ledger.createAccounts([first!, second!, third!]);
    const ids = async (fields: Parameters<typeof queryFilter>[0]): Promise<bigint[]> =>
      (await world.ledger.queryAccounts(queryFilter(fields))).map((account) => account.id);
    expect(await ids({ user_data_128: tag })).toEqual([first!.id, second!.id]);
    expect(await ids({ user_data_64: time })).toEqual([first!.id, third!.id]);
    expect(await ids({ ledger: world.ledger_number, user_data_32: 8 })).toEqual([second!.id, third!.id]);
    expect(await ids({ ledger: world.ledger_number, code: 5, flags: QueryFilterFlags.reversed })).toEqual([
      third!.id,
      first!.id,
    ]);
    expect(await ids({ ledger: world.ledger_number, limit: 1 })).toEqual([first!.id]);
    const [found] = await world.ledger.queryAccounts(queryFilter({ user_data_128: tag, limit: 1 }));
    expect(found).toEqual({ ...first, timestamp: results[0]!.timestamp });
  });
}
