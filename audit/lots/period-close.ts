// The adjustment rule of closed periods (pure; DESIGN.md §9, README "Period close"): the one place
// that says where an event goes in the canonical order when books are closed. Both the full
// recompute (`computeLots`, `lotReport`, `tradeRecordsOf`) and the streaming fold (which keeps the
// result in `events.order_time`) order events by what this returns.
//
// An event dated in a closed period (time ≤ the close's last millisecond) that arrived after the
// close is a prior-period adjustment: it is ordered at the close boundary (the first millisecond
// after the closed period), after every event of the closed period and before everything later,
// and keeps its own time for everything else (its rows, its values, its holding period). When it
// arrived after several closes that cover it, the latest boundary wins: the first open period.

/** A closed period as the rule needs it: its last millisecond. */
export type ClosedThrough = { readonly through_ms: number };

/** A closed period for the full recompute: its last millisecond and the events that arrived after it was closed. */
export type ClosedPeriod = ClosedThrough & { readonly arrived_after: ReadonlySet<string> };

/** The first millisecond after a closed period: where its adjustments are applied. */
export function closeBoundaryMs(close: ClosedThrough): number {
  return close.through_ms + 1;
}

/**
 * THE rule: the ordering time of an event at `time_ms`, given the closes it arrived after. Its own
 * time unless one of them covers it; then the latest boundary among those that do.
 */
export function adjustedOrderTimeMs(time_ms: number, closes_arrived_after: Iterable<ClosedThrough>): number {
  let order_time_ms = time_ms;
  for (const close of closes_arrived_after) {
    if (time_ms <= close.through_ms) order_time_ms = Math.max(order_time_ms, closeBoundaryMs(close));
  }
  return order_time_ms;
}

/** The rule for the full recompute, which knows per close which event ids arrived after it. */
export function orderTimeOf(event_id: string, time_ms: number, closes: readonly ClosedPeriod[]): number {
  if (closes.length === 0) return time_ms;
  return adjustedOrderTimeMs(
    time_ms,
    closes.filter((close) => close.arrived_after.has(event_id)),
  );
}

/** The last millisecond of a UTC day given as YYYY-MM-DD (closes are inclusive of that day). */
export function endOfUtcDayMs(date: string): number {
  return Date.parse(`${date}T00:00:00.000Z`) + 86_400_000 - 1;
}
