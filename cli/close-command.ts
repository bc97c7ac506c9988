// `keel close --through DATE --reason TEXT` and `keel reopen --through DATE --reason TEXT`: period
// close in the audit store (audit/close-store.ts; the adjustment rule is audit/lots/period-close.ts).
import { hostname, userInfo } from 'node:os';
import { closePeriod, reopenPeriod } from '../audit/close-store.js';
import { createPool, type PoolClient } from '../platform/postgres.js';
import { usageError, type CommandContext } from './command.js';

export const close_usage = `keel close --through DATE --reason TEXT

Closes the books through the end of DATE (YYYY-MM-DD, UTC, inclusive) in the audit store at
DATABASE_URL: lots, disposals and records dated in the closed period never change again. An event
dated in it that is stored after the close is a prior-period adjustment, applied at the close
boundary (the first millisecond of the next day) and listed as such. Records who closed it
(KEEL_ACTOR, else the OS user@host), why and when, and appends a 'period_closed' audit entry.
Prints the close as JSON. Exit 0 closed, 1 refused (already closed through DATE or later), 2 usage.`;

export const reopen_usage = `keel reopen --through DATE --reason TEXT

Reopens the latest close, which must be through DATE (YYYY-MM-DD): its adjustments are placed at
their own time again. Appends a 'period_reopened' audit entry; the next seal (keel audit) re-folds
from the earliest of them and lists every record and disposal of the period that changed against
its closed version (a 'period_reopen_changes' audit entry and the consumer's log). Prints JSON.
Exit 0 reopened, 1 refused (not closed through DATE, or a later close stands), 2 usage.`;

/** Bounds the stored reason: a sentence or a paragraph, not a document. */
const reason_length_max = 2_000;

export async function closeCommand(context: CommandContext): Promise<number> {
  const request = parseRequest(context, close_usage);
  return withSession(context, async (client) => {
    const { close, entry } = await closePeriod(client, request);
    context.stdout(`${JSON.stringify({ closed: close, audit_sequence: entry.sequence }, null, 2)}\n`);
    return 0;
  });
}

export async function reopenCommand(context: CommandContext): Promise<number> {
  const request = parseRequest(context, reopen_usage);
  return withSession(context, async (client) => {
    const reopened = await reopenPeriod(client, request);
    context.stdout(
      `${JSON.stringify(
        {
          reopened: reopened.close,
          reason: request.reason,
          reopened_by: request.actor,
          adjustments_released: reopened.adjustments_released,
          refold_from: reopened.refold_from,
          audit_sequence: reopened.entry.sequence,
          changes: 'listed by the next seal (keel audit), against the closed versions',
        },
        null,
        2,
      )}\n`,
    );
    return 0;
  });
}

function parseRequest(context: CommandContext, usage: string): { through_date: string; reason: string; actor: string } {
  const { values } = context.parse({ through: { type: 'string' }, reason: { type: 'string' } });
  const through_date = values.through;
  if (through_date === undefined) throw usageError('--through DATE is required', usage);
  const day_ms = Date.parse(`${through_date}T00:00:00.000Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(through_date) ||
    Number.isNaN(day_ms) ||
    new Date(day_ms).toISOString().slice(0, 10) !== through_date
  ) {
    throw usageError(`--through must be a date YYYY-MM-DD, got '${through_date}'`, usage);
  }
  const reason = values.reason?.trim();
  if (reason === undefined || reason === '')
    throw usageError('--reason TEXT is required (why the books are closed or reopened)', usage);
  if (reason.length > reason_length_max)
    throw usageError(`--reason must be at most ${reason_length_max} characters`, usage);
  return { through_date, reason, actor: context.config.actor ?? `${userInfo().username}@${hostname()}` };
}

async function withSession(context: CommandContext, work: (client: PoolClient) => Promise<number>): Promise<number> {
  const pool = createPool(context.config.database.url, { max_connections: 1, application_name: 'keel-close' });
  try {
    const client = await pool.connect();
    try {
      return await work(client);
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}
