// The ledger conformance suite: one set of cases, pinned to TigerBeetle 0.17's behaviour (result
// codes and their precedence, linked-chain atomicity, idempotency, transient failures, balance
// limits, history and queries), declared against any `Ledger` adapter. The embedded ledger is only
// as faithful as these cases; run them against a real TigerBeetle with TB_ADDRESS set.

import { afterAll, beforeAll, describe } from 'vitest';
import type { Ledger } from '../ledger-port.js';
import { declare_account_cases } from './account-cases.js';
import { declare_chain_cases } from './chain-cases.js';
import { declare_query_cases } from './query-cases.js';
import { declare_transfer_cases } from './transfer-cases.js';
import { declare_imported_cases, declare_limit_cases, declare_two_phase_cases } from './two-phase-and-limit-cases.js';

export function describeLedgerConformance(name: string, makeLedger: () => Promise<Ledger>): void {
  describe(`ledger conformance: ${name}`, () => {
    let ledger: Ledger | null = null;
    const current = (): Ledger => {
      if (ledger === null) throw new Error(`ledger '${name}' was not created`);
      return ledger;
    };

    beforeAll(async () => {
      ledger = await makeLedger();
    });
    afterAll(async () => {
      await ledger?.close();
    });

    describe('create_accounts', () => declare_account_cases(current));
    describe('create_transfers', () => declare_transfer_cases(current));
    describe('linked chains', () => declare_chain_cases(current));
    describe('history and queries', () => declare_query_cases(current));
    describe('two-phase transfers', () => declare_two_phase_cases(current));
    describe('imported events', () => declare_imported_cases(current));
    describe('request limits', () => declare_limit_cases(current));
  });
}
