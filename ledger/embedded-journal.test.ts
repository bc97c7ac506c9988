import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AssetRegistry } from './asset-registry.js';
import { postEventLines } from '../engine/post-events.js';
import { generateEvents } from '../test/support/event-generator.js';
import { accountFilter, queryFilter, type Ledger } from './ledger-port.js';
import { JournaledLedger } from './embedded-journal.js';

const registry = new AssetRegistry();

async function postGenerated(ledger: Ledger, count: number, seed: number) {
  const lines = [...generateEvents(count, { seed })].map((event, index) => ({
    ok: true as const,
    line: index + 1,
    event,
    text: '',
  }));
  return postEventLines(lines, ledger, registry);
}

/** Everything observable: every transfer (with its timestamp) and every account's balance history. */
async function snapshot(ledger: Ledger) {
  const transfers = await ledger.queryTransfers(queryFilter({ limit: 8189 }));
  const accounts = await ledger.queryAccounts(queryFilter({ limit: 8189 }));
  const histories = await Promise.all(accounts.map((account) => ledger.getAccountBalances(accountFilter(account.id))));
  return { transfers, accounts, histories };
}

describe('embedded ledger journal', () => {
  it('rebuilds exactly the same state, timestamps and history included, when reopened', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-journal-'));
    const ledger = await JournaledLedger.open(directory);
    const report = await postGenerated(ledger, 400, 3);
    expect(report.events.posted).toBeGreaterThan(300);
    const before = await snapshot(ledger);
    await ledger.close();

    const reopened = await JournaledLedger.open(directory);
    expect(await snapshot(reopened)).toEqual(before);
    const again = await postGenerated(reopened, 400, 3);
    expect(again.events.posted).toBe(0);
    expect(again.events.duplicates).toBe(report.events.posted);
    await reopened.close();
  });

  it('drops a record cut short by a crash, and refuses a damaged record in the middle', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-journal-'));
    const ledger = await JournaledLedger.open(directory);
    await postGenerated(ledger, 50, 4);
    const before = await snapshot(ledger);
    await ledger.close();
    const journal_path = join(directory, 'ledger.journal');
    const good_size = statSync(journal_path).size;
    appendFileSync(journal_path, Buffer.from([0x90, 0x00, 0x00, 0x00, 0x01, 0x02]));

    const recovered = await JournaledLedger.open(directory);
    expect(await snapshot(recovered)).toEqual(before);
    expect(statSync(journal_path).size).toBe(good_size);
    await recovered.close();

    const bytes = readFileSync(journal_path);
    bytes[40] = bytes[40]! ^ 0xff;
    writeFileSync(journal_path, bytes);
    await expect(JournaledLedger.open(directory)).rejects.toMatchObject({ code: 'KEEL_ERR_LEDGER_JOURNAL_CORRUPT' });
  });

  it('lets one process at a time use a journal, and takes over the lock of a process that died', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'keel-journal-'));
    writeFileSync(join(directory, 'ledger.lock'), '1');
    await expect(JournaledLedger.open(directory)).rejects.toMatchObject({ code: 'KEEL_ERR_LEDGER_JOURNAL_LOCKED' });
    writeFileSync(join(directory, 'ledger.lock'), '2147483646');
    const ledger = await JournaledLedger.open(directory);
    await ledger.close();
  });
});
