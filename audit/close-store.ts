// Period close and reopen in the audit store (migrations/0003): the closes table, the ordering
// time the adjustment rule gives late events (`lots/period-close.ts`, the rule's one home; this
// file only says which closes an event arrived after), and what a reopen compares against.
import type { Queryable, Session } from '../platform/postgres.js';
import { inTransaction } from '../platform/postgres.js';
import { audit_error_codes, auditError } from './audit-errors.js';
import type { AuditEntry } from './audit-chain.js';
import { appendAuditEntriesInTransaction } from './audit-log.js';
import { adjustedOrderTimeMs, endOfUtcDayMs, type ClosedPeriod } from './lots/period-close.js';

export type PeriodClose = {
  close_id: number;
  through_date: string;
  through_ms: number;
  reason: string;
  closed_by: string;
  closed_at: string;
  store_id_max: number;
};

/** What a seal lists after a reopen: the disposals and current records of the reopened period that changed against their closed versions. */
export type ReopenChanges = {
  close_id: number;
  through_date: string;
  disposals: { disposal_id: string; change: 'changed' | 'added' | 'removed' }[];
  records: { trade_id: string; version: number; change: 'changed' | 'added' }[];
};

/** The seal's lock (audit-seal.ts): a close or reopen never interleaves with a seal. */
const seal_lock_key = 7241900002;

/** Bounds the listing of one reopen: beyond this the audit entry would be too large to be useful. */
const reopen_changes_max = 10_000;

export async function activeCloses(session: Queryable): Promise<PeriodClose[]> {
  const { rows } = await session.query<{
    close_id: string;
    through_date: string;
    through_ms: string;
    reason: string;
    closed_by: string;
    closed_at: Date;
    store_id_max: string;
  }>(
    `select close_id::text, to_char(through_date, 'YYYY-MM-DD') as through_date, through_ms::text, reason, closed_by, closed_at, store_id_max::text
     from period_closes where reopened_at is null order by through_ms`,
  );
  return rows.map((row) => ({
    close_id: Number(row.close_id),
    through_date: row.through_date,
    through_ms: Number(row.through_ms),
    reason: row.reason,
    closed_by: row.closed_by,
    closed_at: row.closed_at.toISOString(),
    store_id_max: Number(row.store_id_max),
  }));
}

/** The date the books are closed through (the latest open close), or null. */
export async function closedThrough(session: Queryable): Promise<string | null> {
  const closes = await activeCloses(session);
  return closes[closes.length - 1]?.through_date ?? null;
}

/**
 * Closes the books through the end of `through_date` (UTC). Events stored after this (store id
 * above the one recorded) and dated in the period are prior-period adjustments.
 */
export async function closePeriod(
  session: Session,
  request: { through_date: string; reason: string; actor: string },
): Promise<{ close: PeriodClose; entry: AuditEntry }> {
  return inTransaction(session, async () => {
    await session.query('select pg_advisory_xact_lock($1)', [seal_lock_key]);
    // Waits for events being stored: none committed after this reads the highest id can have a lower one.
    await session.query('lock table events in share mode');
    const through_ms = endOfUtcDayMs(request.through_date);
    const latest = (await activeCloses(session)).at(-1);
    if (latest !== undefined && latest.through_ms >= through_ms) {
      throw auditError(
        audit_error_codes.close_not_after_latest,
        `the books are already closed through ${latest.through_date}: --through must be later`,
        { field: 'through' },
      );
    }
    const { rows } = await session.query<{ close_id: string; closed_at: Date; store_id_max: string }>(
      `insert into period_closes (through_date, through_ms, reason, closed_by, store_id_max)
       values ($1, $2, $3, $4, (select coalesce(max(store_id), 0) from events))
       returning close_id::text, closed_at, store_id_max::text`,
      [request.through_date, through_ms, request.reason, request.actor],
    );
    const row = rows[0]!;
    const close: PeriodClose = {
      close_id: Number(row.close_id),
      through_date: request.through_date,
      through_ms,
      reason: request.reason,
      closed_by: request.actor,
      closed_at: row.closed_at.toISOString(),
      store_id_max: Number(row.store_id_max),
    };
    const [entry] = await appendAuditEntriesInTransaction(session, [{ kind: 'period_closed', payload: close }]);
    return { close, entry: entry! };
  });
}

/**
 * Reopens the latest close (its date must be `through_date`): its adjustments go back to the
 * ordering time the remaining closes give them, the next seal re-folds from the earliest of them
 * and lists what changed in the reopened period against what it held now (its closed versions).
 */
export async function reopenPeriod(
  session: Session,
  request: { through_date: string; reason: string; actor: string },
): Promise<{ close: PeriodClose; adjustments_released: number; refold_from: string | null; entry: AuditEntry }> {
  return inTransaction(session, async () => {
    await session.query('select pg_advisory_xact_lock($1)', [seal_lock_key]);
    const closes = await activeCloses(session);
    const close = closes.find((candidate) => candidate.through_date === request.through_date);
    if (close === undefined)
      throw auditError(
        audit_error_codes.reopen_not_closed,
        `the books are not closed through ${request.through_date}`,
        { field: 'through' },
      );
    if (close !== closes.at(-1)) {
      throw auditError(
        audit_error_codes.reopen_not_latest,
        `the books are closed through ${closes.at(-1)!.through_date}: reopen the latest close first`,
        { field: 'through' },
      );
    }
    const remaining = closes.filter((candidate) => candidate !== close);
    const moved = await reorderAdjustments(session, remaining);
    const refold_from_ms = moved.length === 0 ? null : Math.min(...moved.map((event) => event.order_time_ms));
    await session.query(
      `update period_closes set reopened_by = $2, reopened_at = now(), reopen_reason = $3, reopen_refold_from_ms = $4 where close_id = $1`,
      [close.close_id, request.actor, request.reason, refold_from_ms],
    );
    if (refold_from_ms !== null) {
      await storeBaseline(session, close, refold_from_ms);
      await session.query('update audit_fold set refold_from_ms = least(coalesce(refold_from_ms, $1), $1)', [
        refold_from_ms,
      ]);
    }
    const refold_from = refold_from_ms === null ? null : new Date(refold_from_ms).toISOString();
    const [entry] = await appendAuditEntriesInTransaction(session, [
      {
        kind: 'period_reopened',
        payload: {
          close_id: close.close_id,
          through_date: close.through_date,
          reason: request.reason,
          reopened_by: request.actor,
          adjustments_released: moved.length,
          refold_from,
        },
      },
    ]);
    return { close, adjustments_released: moved.length, refold_from, entry: entry! };
  });
}

/** Gives every adjusted event the ordering time the given closes give it; returns those that moved, at their new time. */
async function reorderAdjustments(
  session: Session,
  closes: readonly PeriodClose[],
): Promise<{ event_id: string; order_time_ms: number }[]> {
  const { rows } = await session.query<{ event_id: string; store_id: string; time_ms: string; order_time_ms: string }>(
    `select event_id, store_id::text, (extract(epoch from event_time) * 1000)::bigint::text as time_ms,
            (extract(epoch from order_time) * 1000)::bigint::text as order_time_ms
     from events where order_time is not null`,
  );
  const moved = rows
    .map((row) => ({
      event_id: row.event_id,
      time_ms: Number(row.time_ms),
      before_ms: Number(row.order_time_ms),
      order_time_ms: orderTimeInStore(Number(row.store_id), Number(row.time_ms), closes),
    }))
    .filter((event) => event.order_time_ms !== event.before_ms);
  await writeOrderTimes(session, moved);
  return moved;
}

/**
 * Assigns the ordering time of the events stored after `after_store_id` that the adjustment rule
 * moves (dated in a closed period they arrived after). Called by the seal before it folds them.
 */
export async function assignOrderTimes(session: Session, after_store_id: number): Promise<void> {
  const closes = await activeCloses(session);
  if (closes.length === 0) return;
  const store_id_min = Math.min(...closes.map((close) => close.store_id_max));
  const { rows } = await session.query<{ event_id: string; store_id: string; time_ms: string }>(
    `select event_id, store_id::text, (extract(epoch from event_time) * 1000)::bigint::text as time_ms
     from events where store_id > greatest($1::bigint, $2::bigint) and event_time <= $3 and order_time is null`,
    [after_store_id, store_id_min, new Date(closes.at(-1)!.through_ms).toISOString()],
  );
  const adjusted = rows
    .map((row) => ({
      event_id: row.event_id,
      time_ms: Number(row.time_ms),
      order_time_ms: orderTimeInStore(Number(row.store_id), Number(row.time_ms), closes),
    }))
    .filter((event) => event.order_time_ms !== event.time_ms);
  await writeOrderTimes(session, adjusted);
}

/** The rule, with "arrived after" read from store ids. */
function orderTimeInStore(store_id: number, time_ms: number, closes: readonly PeriodClose[]): number {
  return adjustedOrderTimeMs(
    time_ms,
    closes.filter((close) => store_id > close.store_id_max),
  );
}

async function writeOrderTimes(
  session: Session,
  events: readonly { event_id: string; time_ms: number; order_time_ms: number }[],
): Promise<void> {
  if (events.length === 0) return;
  await session.query(
    `update events set order_time = change.order_time from unnest($1::text[], $2::timestamptz[]) as change (event_id, order_time)
     where events.event_id = change.event_id`,
    [
      events.map((event) => event.event_id),
      events.map((event) =>
        event.order_time_ms === event.time_ms ? null : new Date(event.order_time_ms).toISOString(),
      ),
    ],
  );
}

/** The rows of the reopened period a re-fold from `from_ms` rewrites, by fingerprint: its closed versions. */
async function storeBaseline(session: Session, close: PeriodClose, from_ms: number): Promise<void> {
  await session.query(
    `insert into reopen_baselines (close_id, kind, item_id, fingerprint)
     select $1::bigint, 'disposal', disposal_id, fingerprint from (${disposals_in_reach}) as reach
     union all
     select $1::bigint, 'record', trade_id, record_hash from (${records_in_reach}) as reach`,
    [close.close_id, new Date(from_ms).toISOString(), new Date(close.through_ms).toISOString()],
  );
}

/** Disposals a re-fold from $2 rewrites (as `rewindDerivedRows` chooses them) dated through $3, with a fingerprint of their content. */
const disposals_in_reach = `
  select disposal_id, md5(concat_ws('|', disposal_event_id, lot_id, pool, asset, disposed_at, acquired_at, quantity, proceeds, cost_basis, gain,
                                     currency, holding_period, missing_basis)) as fingerprint
  from disposals
  where disposed_at <= $3 and (disposed_at >= $2 or disposal_event_id in (select event_id from events where order_time is not null and order_time >= $2))`;

/** Current records dated through $3 that a re-fold from $2 may change: opened from $2 on, or with a fill from then on. */
const records_in_reach = `
  select trade_id, version, record_hash from trade_records
  where is_current and trade_time <= $3 and (trade_time >= $2 or trade_id in (select trade_id from fill_facts where fill_time >= $2))`;

/**
 * After the seal that re-folded a reopened period and built its records: what changed against
 * the baseline, once per reopen (then the baseline is dropped), with an audit entry each.
 */
export async function listReopenChanges(session: Session, recorded_at: string): Promise<ReopenChanges[]> {
  const { rows } = await session.query<{
    close_id: string;
    through_date: string;
    through_ms: string;
    from_ms: string | null;
  }>(
    `select close_id::text, to_char(through_date, 'YYYY-MM-DD') as through_date, through_ms::text, reopen_refold_from_ms::text as from_ms
     from period_closes where reopened_at is not null and not changes_listed order by close_id`,
  );
  const listed: ReopenChanges[] = [];
  for (const row of rows) {
    const changes =
      row.from_ms === null
        ? { disposals: [], records: [] }
        : await changesAgainstBaseline(session, Number(row.close_id), Number(row.from_ms), Number(row.through_ms));
    listed.push({ close_id: Number(row.close_id), through_date: row.through_date, ...changes });
    await session.query('update period_closes set changes_listed = true where close_id = $1', [row.close_id]);
    await session.query('delete from reopen_baselines where close_id = $1', [row.close_id]);
  }
  if (listed.length > 0)
    await appendAuditEntriesInTransaction(
      session,
      listed.map((payload) => ({ kind: 'period_reopen_changes', payload })),
      { recorded_at },
    );
  return listed;
}

async function changesAgainstBaseline(
  session: Session,
  close_id: number,
  from_ms: number,
  through_ms: number,
): Promise<Omit<ReopenChanges, 'close_id' | 'through_date'>> {
  const bounds = [close_id, new Date(from_ms).toISOString(), new Date(through_ms).toISOString(), reopen_changes_max];
  const disposals = await session.query<{ disposal_id: string; change: 'changed' | 'added' | 'removed' }>(
    `select coalesce(cur.disposal_id, closed.item_id) as disposal_id,
            case when closed.item_id is null then 'added' when cur.disposal_id is null then 'removed' else 'changed' end as change
     from (${disposals_in_reach}) as cur
     full join (select item_id, fingerprint from reopen_baselines where close_id = $1 and kind = 'disposal') as closed on closed.item_id = cur.disposal_id
     where closed.fingerprint is distinct from cur.fingerprint
     order by coalesce(cur.disposal_id, closed.item_id) collate "C" limit $4`,
    bounds,
  );
  const records = await session.query<{ trade_id: string; version: number; change: 'changed' | 'added' }>(
    `select cur.trade_id, cur.version, case when closed.item_id is null then 'added' else 'changed' end as change
     from (${records_in_reach}) as cur
     left join reopen_baselines as closed on closed.close_id = $1 and closed.kind = 'record' and closed.item_id = cur.trade_id
     where closed.fingerprint is distinct from cur.record_hash
     order by cur.trade_id collate "C" limit $4`,
    bounds,
  );
  return { disposals: disposals.rows, records: records.rows };
}

/** A prior-period adjustment as served: its original event, where it was applied, and the rows it made. */
export type StoredAdjustment = {
  event_id: string;
  type: string;
  /** Its own time, which its rows keep. */
  event_time: string;
  /** The close boundary it was applied at. */
  applied_at: string;
  event: unknown;
  /** The lots it acquired (a late transfer's moved lots keep their acquisition's id). */
  lot_ids: string[];
  disposal_ids: string[];
};

/** Up to `rows_max` adjustments after `after`, in (applied at, event id) order. */
export async function adjustmentsAfter(
  db: Queryable,
  after: readonly [applied_at: string, event_id: string] | undefined,
  rows_max: number,
): Promise<StoredAdjustment[]> {
  const { rows } = await db.query<
    Omit<StoredAdjustment, 'event_time' | 'applied_at'> & { event_time: Date; applied_at: Date }
  >(
    `select e.event_id, e.type, e.event_time, e.order_time as applied_at, e.event,
            array(select lot_id from lots where acquisition_event_id = e.event_id order by lot_id collate "C") as lot_ids,
            array(select disposal_id from disposals where disposal_event_id = e.event_id order by disposal_id collate "C") as disposal_ids
       from events e
      where e.order_time is not null and ($1::timestamptz is null or (e.order_time, e.event_id) > ($1::timestamptz, $2::text))
      order by e.order_time, e.event_id
      limit $3`,
    [after?.[0] ?? null, after?.[1] ?? null, rows_max],
  );
  return rows.map((row) => ({
    ...row,
    event_time: row.event_time.toISOString(),
    applied_at: row.applied_at.toISOString(),
  }));
}

/** An adjustment as a report lists it: its original event, its own time and the boundary it was applied at. */
export type AdjustmentLine = { event_id: string; type: string; event_time: string; applied_at: string; event: unknown };

/** What reports and exports need of closed periods: the date, the adjustments, and the closes as the full recompute takes them. */
export type PeriodCloseFacts = { closed_through: string | null; adjustments: AdjustmentLine[]; closes: ClosedPeriod[] };

/** The facts of the standing closes (an event arrived after a close when its store id is above the close's). */
export async function periodCloseFacts(db: Queryable): Promise<PeriodCloseFacts> {
  const closes = await activeCloses(db);
  const closed: ClosedPeriod[] = [];
  for (const close of closes) {
    const { rows } = await db.query<{ event_id: string }>(
      'select event_id from events where store_id > $1 and event_time <= $2',
      [close.store_id_max, new Date(close.through_ms).toISOString()],
    );
    closed.push({ through_ms: close.through_ms, arrived_after: new Set(rows.map((row) => row.event_id)) });
  }
  const { rows } = await db.query<{
    event_id: string;
    type: string;
    event_time: Date;
    applied_at: Date;
    event: unknown;
  }>(
    'select event_id, type, event_time, order_time as applied_at, event from events where order_time is not null order by order_time, event_id',
  );
  const adjustments = rows.map((row) => ({
    ...row,
    event_time: row.event_time.toISOString(),
    applied_at: row.applied_at.toISOString(),
  }));
  return { closed_through: closes.at(-1)?.through_date ?? null, adjustments, closes: closed };
}
