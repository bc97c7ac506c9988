// Which ledger accounts exist, from the events the audit store holds: the ledger is keyed by ids
// (hashes), so the natural keys (venue, account, type, asset) come from the events that posted to
// them. Kept in memory, bounded, and refreshed when the store's event count changes; new events
// are read incrementally (by arrival order), and the whole store again only when rows appeared
// below what was already read (transactions that committed out of order).
import { eventsStoredAfter, storedEventCount } from '../audit/audit-store.js';
import type { AssetRegistry } from '../ledger/asset-registry.js';
import { accountSpecsOfEvents } from '../engine/posting-rules.js';
import { compareSpecs, type AccountSpec } from '../ledger/chart-of-accounts.js';
import type { Pool } from '../platform/postgres.js';
import { ApiError } from './api-errors.js';

export type CatalogueOptions = { accounts_max?: number; batch_rows?: number };

export const catalogue_defaults = { accounts_max: 200_000, batch_rows: 5_000 } as const;

export class AccountCatalogue {
  private readonly accounts = new Map<bigint, AccountSpec>();
  private sorted: AccountSpec[] = [];
  private seen_events = 0;
  private last_store_id = '0';
  private refreshing: Promise<void> | null = null;
  private readonly accounts_max: number;
  private readonly batch_rows: number;

  constructor(
    private readonly pool: Pool,
    private readonly registry: AssetRegistry,
    options: CatalogueOptions = {},
  ) {
    this.accounts_max = options.accounts_max ?? catalogue_defaults.accounts_max;
    this.batch_rows = options.batch_rows ?? catalogue_defaults.batch_rows;
  }

  /** Every known account, by venue, account, type, asset. */
  async specs(): Promise<readonly AccountSpec[]> {
    await this.refresh();
    return this.sorted;
  }

  async specById(id: bigint): Promise<AccountSpec | undefined> {
    await this.refresh();
    return this.accounts.get(id);
  }

  /** One refresh at a time; requests arriving meanwhile wait for it rather than start their own. */
  private refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async load(): Promise<void> {
    const count = await storedEventCount(this.pool);
    if (count === this.seen_events) return;
    if (count < this.seen_events) this.reset();
    await this.readAfter(this.last_store_id);
    if (this.seen_events !== count) {
      // Rows committed out of arrival order sit below what was read: read everything again.
      this.reset();
      await this.readAfter('0');
    }
    this.sorted = [...this.accounts.values()].sort(compareSpecs);
  }

  private reset(): void {
    this.accounts.clear();
    this.seen_events = 0;
    this.last_store_id = '0';
  }

  private async readAfter(store_id: string): Promise<void> {
    let after = store_id;
    for (;;) {
      const rows = await eventsStoredAfter(this.pool, after, this.batch_rows);
      if (rows.length === 0) break;
      const events = rows.flatMap((row) => (row.event === null ? [] : [row.event]));
      this.add(accountSpecsOfEvents(events, this.registry));
      this.seen_events += rows.length;
      after = rows[rows.length - 1]!.store_id;
      this.last_store_id = after;
      if (rows.length < this.batch_rows) break;
    }
  }

  private add(specs: readonly AccountSpec[]): void {
    for (const spec of specs) {
      if (this.accounts.has(spec.id)) continue;
      if (this.accounts.size >= this.accounts_max) {
        throw new ApiError(
          'too_many_accounts',
          `more than ${this.accounts_max} ledger accounts: the account catalogue is full`,
        );
      }
      this.accounts.set(spec.id, spec);
    }
  }
}
