import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { postEventLines } from '../../engine/post-events.js';
import { AssetRegistry } from '../../ledger/asset-registry.js';
import { JournaledLedger } from '../../ledger/embedded-journal.js';
import { generateEvents } from './event-generator.js';
import { foldEvents } from './independent-fold.js';

describe('ledger balances = an independent fold of the events (I3), and every ledger balances (I1)', () => {
  it('holds for a generated stream of mixed events across venue accounts', async () => {
    const events = [...generateEvents(3000, { seed: 21, include_non_money: true })];
    const ledger = await JournaledLedger.open(mkdtempSync(join(tmpdir(), 'keel-fold-')));
    const report = await postEventLines(
      events.map((event, index) => ({ ok: true as const, event, line: index + 1 })),
      ledger,
      new AssetRegistry(),
    );
    await ledger.close();
    expect(report.events.rejected).toBe(0);
    const ledger_balances = new Map(
      report.accounts.map((row) => [`${row.venue}|${row.account}|${row.type}|${row.asset}`, row.balance]),
    );
    expect(ledger_balances).toEqual(foldEvents(events));
    const debits_minus_credits_by_asset = new Map<string, bigint>();
    for (const row of report.accounts) {
      const [units = '0', fraction = ''] = row.balance.replace('-', '').split('.');
      const scaled = BigInt(units + fraction.padEnd(18, '0')) * (row.balance.startsWith('-') ? -1n : 1n);
      debits_minus_credits_by_asset.set(row.asset, (debits_minus_credits_by_asset.get(row.asset) ?? 0n) + scaled);
    }
    expect([...debits_minus_credits_by_asset.values()].every((net) => net === 0n)).toBe(true);
  });
});
