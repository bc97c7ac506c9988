// `keel quarantine list|release`: the events the audit store could not store or fold, kept aside
// with their reason (audit/quarantine-store.ts), and putting one back once it validates.
import { releaseQuarantined, listQuarantined, type QuarantinedEvent } from '../audit/quarantine-store.js';
import { createPool, inTransaction, withSession, type PoolClient } from '../platform/postgres.js';
import { usageError, type CommandContext } from './command.js';
import { renderTable } from './table.js';

export const quarantine_usage = `keel quarantine list [--format json|table] | keel quarantine release ID --reason TEXT

The audit store (DATABASE_URL) quarantines an event PostgreSQL refused to store
(KEEL_ERR_AUDIT_EVENT_UNSTORABLE) or a stored event that no longer validates
(KEEL_ERR_AUDIT_EVENT_INVALID): it is kept aside with its code, reason and original JSON, the move is
appended to the audit log, and sealing goes on for everything else.

  list                  the quarantined events not released, oldest first (json by default)
  release ID            puts event ID back into the store if it validates now (the next seal folds
                        it) and audits the release; a coded error (exit 1) if it still does not
  --reason TEXT         why it is released (required with release, recorded in the audit log)
  --format NAME         json (default) or table, for list`;

const reason_length_max = 2_000;

export async function quarantineCommand(context: CommandContext): Promise<number> {
  const { values, positionals } = context.parse({ format: { type: 'string' }, reason: { type: 'string' } });
  const [action, id_text, ...rest] = positionals;
  if (rest.length > 0) throw usageError(`unexpected arguments: ${rest.join(' ')}`, quarantine_usage);
  if (action === 'list') {
    const format = values.format ?? 'json';
    if (format !== 'json' && format !== 'table')
      throw usageError(`--format must be json or table, got '${format}'`, quarantine_usage);
    if (id_text !== undefined) throw usageError(`list takes no ID, got '${id_text}'`, quarantine_usage);
    const rows = await onStore(context, (session) => listQuarantined(session));
    context.stdout(format === 'json' ? `${JSON.stringify(rows, null, 2)}\n` : listTable(rows));
    return 0;
  }
  if (action === 'release') {
    if (id_text === undefined || !/^[1-9]\d{0,15}$/.test(id_text))
      throw usageError(
        `release needs the ID of a quarantined event (a whole number), got '${id_text ?? ''}'`,
        quarantine_usage,
      );
    const reason = values.reason?.trim() ?? '';
    if (reason === '' || reason.length > reason_length_max)
      throw usageError(`--reason TEXT is required with release (1..${reason_length_max} characters)`, quarantine_usage);
    const released = await onStore(context, (session) =>
      inTransaction(session, () => releaseQuarantined(session, Number(id_text), reason)),
    );
    context.stdout(`${JSON.stringify({ released: Number(id_text), event_id: released.event_id })}\n`);
    return 0;
  }
  throw usageError(`the first argument must be list or release, got '${action ?? ''}'`, quarantine_usage);
}

async function onStore<T>(context: CommandContext, work: (session: PoolClient) => Promise<T>): Promise<T> {
  const pool = createPool(context.config.database.url, { max_connections: 1, application_name: 'keel-quarantine' });
  try {
    return await withSession(pool, work);
  } finally {
    await pool.end();
  }
}

function listTable(rows: readonly QuarantinedEvent[]): string {
  const cells = rows.map((row) => [String(row.quarantine_id), row.quarantined_at, row.code, row.reason, row.original]);
  return renderTable(['id', 'quarantined_at', 'code', 'reason', 'original'], cells, [true, false, false, false, false]);
}
