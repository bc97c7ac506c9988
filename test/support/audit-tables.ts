// The lot and disposal tables of the audit store as rows of text, and the same rows as the full
// recompute makes them: what the streaming audit's tests compare.
import type { LotReport } from '../../audit/lots/lot-report.js';
import { lotSettings, type LotSettings } from '../../audit/lots/lot-settings.js';
import type { TestDatabase } from './postgres-test-kit.js';

/** The lot tables as the full recompute makes them (disposal rows named by event and place among its rows). */
export function expectedTables(
  report: LotReport,
  settings: Partial<LotSettings>,
): { lots: string[][]; disposals: string[][] } {
  const pool = (venue: string, account: string) =>
    lotSettings(settings).pool === 'global' ? 'global' : `${venue}/${account}`;
  const remaining = new Map(report.open_lots.map((lot) => [lot.lot_id, lot.quantity]));
  const lots = [
    ...report.acquisitions.map((lot) => [
      lot.lot_id,
      pool(lot.venue, lot.account),
      lot.asset,
      lot.acquired_at,
      lot.event_id,
      lot.quantity,
      remaining.get(lot.lot_id) ?? '0',
      lot.cost_basis ?? '',
      lot.kind,
    ]),
    ...report.transferred.map((lot) => [
      lot.new_lot_id,
      pool(lot.to_venue, lot.to_account),
      lot.asset,
      lot.acquired_at,
      lot.event_id,
      lot.quantity,
      remaining.get(lot.new_lot_id) ?? '0',
      lot.cost_basis ?? '',
      'transfer',
    ]),
  ];
  const index = new Map<string, number>();
  const next = (key: string) => {
    const value = index.get(key) ?? 0;
    index.set(key, value + 1);
    return value;
  };
  const disposals = [
    ...report.disposals.map((row) => [
      `${row.event_id}#${next(row.event_id)}`,
      row.lot_id,
      pool(row.venue, row.account),
      row.asset,
      row.disposed_at,
      row.quantity,
      row.proceeds ?? '',
      row.cost_basis ?? '',
      row.gain ?? '',
      row.term,
    ]),
    ...report.missing_basis.map((row) => [
      `${row.event_id}#missing-${next(`${row.event_id}#missing`)}`,
      '',
      pool(row.venue, row.account),
      row.asset,
      '',
      row.quantity,
      row.proceeds ?? '',
      '',
      '',
      '',
    ]),
  ];
  const byKey = (left: string[], right: string[]) => (left[0]! < right[0]! ? -1 : left[0]! > right[0]! ? 1 : 0);
  return { lots: lots.sort(byKey), disposals: disposals.sort(byKey) };
}

export async function storedTables(
  database: Pick<TestDatabase, 'pool'>,
): Promise<{ lots: string[][]; disposals: string[][] }> {
  const iso = (column: string) =>
    `coalesce(to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), '')`;
  const lots = await database.pool.query<string[]>({
    text: `select lot_id, pool, asset, ${iso('acquired_at')}, acquisition_event_id, quantity::text, remaining_quantity::text, coalesce(cost_basis::text, ''), basis_source from lots`,
    rowMode: 'array',
  });
  const disposals = await database.pool.query<string[]>({
    text: `select disposal_id, coalesce(lot_id, ''), pool, asset, case when missing_basis then '' else ${iso('disposed_at')} end, quantity::text, coalesce(proceeds::text, ''),
             coalesce(cost_basis::text, ''), coalesce(gain::text, ''), coalesce(holding_period, '') from disposals`,
    rowMode: 'array',
  });
  const byKey = (left: string[], right: string[]) => (left[0]! < right[0]! ? -1 : left[0]! > right[0]! ? 1 : 0);
  return { lots: lots.rows.sort(byKey), disposals: disposals.rows.sort(byKey) };
}
