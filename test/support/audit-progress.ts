// How far the audit service has come with what was stored: the tests and the audit benchmark wait
// on the store itself, not on a process's log, for "every event stored, folded and its records built".
import type { Pool } from '../../platform/postgres.js';

export type SealProgress = { stored: number; folded: boolean; dirty: number };

/**
 * Events stored; whether the fold has applied all of them (the latest store id and the latest event
 * time are both within its progress: two index lookups, so polling does not load a large store);
 * trades whose records wait to be built.
 */
export async function sealProgress(pool: Pool): Promise<SealProgress> {
  const { rows } = await pool.query<SealProgress>(
    `select (select count(*)::int from events) as stored,
            coalesce((select max(store_id) from events) <= (select folded_store_id from audit_fold)
               and (select (extract(epoch from max(event_time)) * 1000)::bigint from events) <= (select folded_through_ms from audit_fold), false)
              or not exists (select 1 from events) as folded,
            (select count(*)::int from audit_dirty_trades) as dirty`,
  );
  return rows[0]!;
}

/** Waits until `events` events are stored, all folded, and every touched record built. */
export async function untilSealed(pool: Pool, events: number, timeout_ms = 400_000, poll_ms = 200): Promise<void> {
  const deadline_ms = Date.now() + timeout_ms;
  for (;;) {
    const state = await sealProgress(pool);
    if (state.stored === events && state.folded && state.dirty === 0) return;
    if (Date.now() > deadline_ms)
      throw new Error(`not sealed within ${timeout_ms} ms: ${JSON.stringify(state)} of ${events} events`);
    await new Promise((resolve) => setTimeout(resolve, poll_ms));
  }
}
