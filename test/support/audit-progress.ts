// How far the audit service has come with what was stored: the tests and the audit benchmark wait
// on the store itself, not on a process's log, for "every event stored, folded and its records built".
import type { Pool } from '../../platform/postgres.js';

export type SealProgress = { stored: number; unfolded: number; dirty: number };

/** Events stored; stored events the fold has not applied yet; trades whose records wait to be built. */
export async function sealProgress(pool: Pool): Promise<SealProgress> {
  const { rows } = await pool.query<SealProgress>(
    `select (select count(*)::int from events) as stored,
            (select count(*)::int from events where store_id > coalesce((select folded_store_id from audit_fold), 0)
               or (extract(epoch from event_time) * 1000)::bigint > coalesce((select folded_through_ms from audit_fold), -1)) as unfolded,
            (select count(*)::int from audit_dirty_trades) as dirty`,
  );
  return rows[0]!;
}

/** Waits until `events` events are stored, all folded, and every touched record built. */
export async function untilSealed(db: { pool: Pool }, events: number, timeout_ms = 180_000, poll_ms = 200): Promise<void> {
  const deadline_ms = Date.now() + timeout_ms;
  for (;;) {
    const state = await sealProgress(db.pool);
    if (state.stored === events && state.unfolded === 0 && state.dirty === 0) return;
    if (Date.now() > deadline_ms) throw new Error(`not sealed within ${timeout_ms} ms: ${JSON.stringify(state)} of ${events} events`);
    await new Promise((resolve) => setTimeout(resolve, poll_ms));
  }
}
