// Keel on its embedded defaults, in one process with no servers (DESIGN.md §5): the in-process
// event log in place of Kafka, the embedded ledger in place of TigerBeetle, PGlite behind its
// socket in place of PostgreSQL. The posting and audit steps read the log from their own offsets
// through the same steps the Kafka consumers use: the posting step (`engine/post-batch.ts`) and
// the audit storing step (`audit/store-step.ts`), then the seal.
import { seal, type SealResult } from '../audit/audit-seal.js';
import { storeBatch } from '../audit/store-step.js';
import type { DeadLetter } from '../engine/dead-letter.js';
import type { KeelEvent } from '../engine/event-schema.js';
import { InProcessEventLog, type LogRecord } from '../engine/in-process-log.js';
import { LedgerPoster } from '../engine/ledger-poster.js';
import { failedCount, postInputs } from '../engine/post-batch.js';
import type { AssetRegistry } from '../ledger/asset-registry.js';
import { EmbeddedLedger } from '../ledger/embedded-ledger.js';
import type { Ledger } from '../ledger/ledger-port.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../platform/embedded-postgres.js';
import { createPool, defaultMigrationsDirectory, migrate, type Pool } from '../platform/postgres.js';

export const in_process_topic = 'in-process:keel.events';

export type IngestReport = {
  read: number;
  posted: number;
  duplicates: number;
  no_transfers: number;
  dead_lettered: number;
  stored: number;
  seal: SealResult;
};

export class EmbeddedKeel {
  readonly dead_letters: DeadLetter[] = [];
  private posting_offset = 0;
  private audit_offset = 0;

  private constructor(
    readonly log: InProcessEventLog,
    readonly ledger: Ledger,
    readonly registry: AssetRegistry,
    readonly pool: Pool,
    private readonly postgres: EmbeddedPostgres,
    private readonly poster: LedgerPoster,
  ) {}

  static async start(registry: AssetRegistry, log: InProcessEventLog = new InProcessEventLog()): Promise<EmbeddedKeel> {
    const postgres = await startEmbeddedPostgres();
    // PGlite serves one connection at a time.
    const pool = createPool(postgres.url, { max_connections: 1, application_name: 'keel-embedded' });
    await migrate(pool, defaultMigrationsDirectory());
    const ledger = new EmbeddedLedger();
    return new EmbeddedKeel(log, ledger, registry, pool, postgres, new LedgerPoster(ledger));
  }

  /** Appends events to the log, then lets both steps catch up and seals the audit store. */
  async publish(events: readonly KeelEvent[]): Promise<IngestReport> {
    for (const event of events) this.log.append(JSON.stringify(event));
    return this.catchUp();
  }

  /** Posts and stores everything the log holds beyond each step's offset, then seals. */
  async catchUp(): Promise<IngestReport> {
    const report = { read: 0, posted: 0, duplicates: 0, no_transfers: 0, dead_lettered: 0, stored: 0 };
    for (let batch = this.log.read(this.posting_offset); batch.length > 0; batch = this.log.read(this.posting_offset)) {
      const posted = await postInputs(
        batch.map((record) => ({ value: record.value, key: null, source: sourceOf(record) })),
        this.poster,
        this.registry,
      );
      this.dead_letters.push(...posted.dead_letters.map((entry) => entry.letter));
      report.read += posted.counts.read;
      report.posted += posted.counts.posted;
      report.duplicates += posted.counts.duplicates;
      report.no_transfers += posted.counts.no_transfers;
      report.dead_lettered += failedCount(posted.counts);
      this.posting_offset = batch[batch.length - 1]!.offset + 1;
    }
    const client = await this.pool.connect();
    try {
      for (let batch = this.log.read(this.audit_offset); batch.length > 0; batch = this.log.read(this.audit_offset)) {
        const stored = await storeBatch(
          client,
          batch.map((record) => ({ value: record.value, source: sourceOf(record) })),
        );
        report.stored += stored.stored;
        this.audit_offset = batch[batch.length - 1]!.offset + 1;
      }
      return { ...report, seal: await seal(client, this.registry, {}) };
    } finally {
      client.release();
    }
  }

  async stop(): Promise<void> {
    await this.pool.end();
    await this.postgres.stop();
    await this.ledger.close();
  }
}

function sourceOf(record: LogRecord): { topic: string; partition: number; offset: string } {
  return { topic: in_process_topic, partition: 0, offset: String(record.offset) };
}
