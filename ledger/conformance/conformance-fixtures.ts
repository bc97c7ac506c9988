// Helpers for the ledger conformance suite. A real TigerBeetle keeps its data across runs, so every
// case works in its own namespace: fresh random 128-bit ids, and a random ledger number and user
// data values that no other case (or earlier run) uses, so queries only ever see the case's data.

import { randomBytes, randomInt } from 'node:crypto';
import { expect } from 'vitest';
import {
  AccountFlags,
  CreateAccountStatus,
  CreateTransferStatus,
  newAccount,
  newTransfer,
  u128_max,
  type Account,
  type CreateAccountResult,
  type CreateTransferResult,
  type Ledger,
  type Transfer,
} from '../ledger-port.js';

export function random_u128(): bigint {
  for (;;) {
    const value = BigInt(`0x${randomBytes(16).toString('hex')}`);
    if (value !== 0n && value !== u128_max) return value;
  }
}

export function random_u64(): bigint {
  for (;;) {
    const value = BigInt(`0x${randomBytes(8).toString('hex')}`);
    if (value !== 0n) return value;
  }
}

export function random_u32(): number {
  return randomInt(1, 0xffff_ffff);
}

export function account_statuses(results: readonly CreateAccountResult[]): string[] {
  return results.map((result) => CreateAccountStatus[result.status] ?? `unknown ${result.status}`);
}

export function transfer_statuses(results: readonly CreateTransferResult[]): string[] {
  return results.map((result) => CreateTransferStatus[result.status] ?? `unknown ${result.status}`);
}

/** Balances of an account, for compact equality assertions. */
export type Balances = {
  debits_pending: bigint;
  debits_posted: bigint;
  credits_pending: bigint;
  credits_posted: bigint;
};

export function posted(debits_posted: bigint, credits_posted: bigint): Balances {
  return { debits_pending: 0n, debits_posted, credits_pending: 0n, credits_posted };
}

/** One case's namespace on a shared ledger. */
export class CaseWorld {
  /** A ledger number no other case uses, so queries by ledger see this case only. */
  readonly ledger_number = random_u32();
  /** A second one, for the "different ledger" cases. */
  readonly other_ledger_number = random_u32();
  readonly account_code = 1;
  readonly transfer_code = 7;

  constructor(readonly ledger: Ledger) {}

  account(fields: Partial<Account> = {}): Account {
    return newAccount({ id: random_u128(), ledger: this.ledger_number, code: this.account_code, ...fields });
  }

  transfer(
    debit_account_id: bigint,
    credit_account_id: bigint,
    amount: bigint,
    fields: Partial<Transfer> = {},
  ): Transfer {
    return newTransfer({
      id: random_u128(),
      debit_account_id,
      credit_account_id,
      amount,
      ledger: this.ledger_number,
      code: this.transfer_code,
      ...fields,
    });
  }

  /** Creates accounts on this case's ledger and returns their ids, asserting each was created. */
  async open_accounts(count: number, fields: Partial<Account> = {}): Promise<bigint[]> {
    const accounts = Array.from({ length: count }, () => this.account(fields));
    const results = await this.ledger.createAccounts(accounts);
    expect(account_statuses(results)).toEqual(accounts.map(() => 'created'));
    return accounts.map((account) => account.id);
  }

  /** Posts transfers that must all be created, and returns them with their result timestamps. */
  async post(transfers: Transfer[]): Promise<Transfer[]> {
    const results = await this.ledger.createTransfers(transfers);
    expect(transfer_statuses(results)).toEqual(transfers.map(() => 'created'));
    return transfers.map((transfer, index) => ({ ...transfer, timestamp: results[index]!.timestamp }));
  }

  async balances(id: bigint): Promise<Balances> {
    const [account] = await this.ledger.lookupAccounts([id]);
    expect(account, `account ${id} exists`).toBeDefined();
    return {
      debits_pending: account!.debits_pending,
      debits_posted: account!.debits_posted,
      credits_pending: account!.credits_pending,
      credits_posted: account!.credits_posted,
    };
  }
}

export const history = AccountFlags.history;
