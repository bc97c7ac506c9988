// The TigerBeetle adapter's own logic (bounded waits, resubmission, request limits) needs a client
// that can be made slow on purpose, which a real server cannot do on demand: the client here is a
// mock, named so. The adapter's TigerBeetle semantics are checked by the conformance suite against
// a real server whenever TB_ADDRESS is set.
import type { Client } from 'tigerbeetle-node';
import { describe, expect, it } from 'vitest';
import { EmbeddedLedger } from './embedded-ledger.js';
import { AccountFlags, CreateTransferStatus, newAccount, newTransfer, type Transfer } from './ledger-port.js';
import { TigerBeetleLedger } from './tigerbeetle-ledger.js';

/** Answers like TigerBeetle (an embedded ledger behind it) but holds back the first N answers. */
function slowClientMock(answers_to_delay: number, delay_ms: number) {
  const ledger = new EmbeddedLedger();
  const submitted: bigint[][] = [];
  let delayed = 0;
  const later = <T>(promise: Promise<T>) => {
    if (delayed >= answers_to_delay) return promise;
    delayed += 1;
    return new Promise<T>((resolve) => setTimeout(() => resolve(promise), delay_ms));
  };
  const client = {
    createAccounts: (batch: never[]) => later(ledger.createAccounts(batch)),
    createTransfers: (batch: Transfer[]) => {
      submitted.push(batch.map((transfer) => transfer.id));
      return later(ledger.createTransfers(batch));
    },
    lookupAccounts: (ids: bigint[]) => later(ledger.lookupAccounts(ids)),
    lookupTransfers: (ids: bigint[]) => later(ledger.lookupTransfers(ids)),
    destroy: () => undefined,
  } as unknown as Client;
  return { client, ledger, submitted };
}

const accounts = [
  newAccount({ id: 1n, ledger: 1, code: 1, flags: AccountFlags.history }),
  newAccount({ id: 2n, ledger: 1, code: 1 }),
];
const transfer = newTransfer({ id: 10n, debit_account_id: 1n, credit_account_id: 2n, amount: 5n, ledger: 1, code: 1 });

describe('TigerBeetle adapter (over a slow client mock)', () => {
  it('treats a timeout as "may have committed" and resubmits the same ids, which answer exists', async () => {
    const { client, ledger, submitted } = slowClientMock(1, 200);
    await ledger.createAccounts(accounts);
    const adapter = TigerBeetleLedger.overClient(client, { request_timeout_ms: 50, request_attempts_max: 3 });
    const results = await adapter.createTransfers([transfer]);
    expect(submitted).toEqual([[10n], [10n]]);
    // The held-back first attempt committed before the second was applied: exists, not a second posting.
    expect(results.map((result) => result.status)).toEqual([CreateTransferStatus.exists]);
    expect((await ledger.lookupAccounts([1n]))[0]!.debits_posted).toBe(5n);
  });

  it('gives up after the last attempt with a coded error saying the request may have committed', async () => {
    const { client } = slowClientMock(5, 100);
    const adapter = TigerBeetleLedger.overClient(client, { request_timeout_ms: 20, request_attempts_max: 2 });
    await expect(adapter.lookupAccounts([1n])).rejects.toMatchObject({
      code: 'KEEL_ERR_LEDGER_REQUEST_TIMEOUT',
      message: expect.stringContaining('may have committed'),
    });
  });

  it('refuses requests over 8189 events before sending them, and absurd settings', async () => {
    const { client, submitted } = slowClientMock(0, 0);
    const adapter = TigerBeetleLedger.overClient(client, { request_timeout_ms: 1000 });
    const too_many = Array.from({ length: 8190 }, (_, index) => ({ ...transfer, id: BigInt(index + 1) }));
    await expect(adapter.createTransfers(too_many)).rejects.toMatchObject({ code: 'KEEL_ERR_LEDGER_BATCH_TOO_LARGE' });
    expect(submitted).toEqual([]);
    expect(() => TigerBeetleLedger.overClient(client, { request_timeout_ms: 0 })).toThrow(RangeError);
    expect(() => TigerBeetleLedger.overClient(client, { request_timeout_ms: 10, request_attempts_max: 0 })).toThrow(
      RangeError,
    );
  });
});
