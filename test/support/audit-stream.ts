// Event streams for the streaming audit's tests and benchmark: the generator's mixed events made
// harder for an incremental audit: orders filled in several fills, their order events, decisions
// and risk checks joined by client order id, many events in one millisecond, deposits whose cost
// basis is in BTC (valued from trades at the acquisition time), and arrival orders with late events.
import type { KeelEvent } from '../../engine/event-schema.js';
import { generateEvents, seededRandom } from './event-generator.js';

export type AuditStreamOptions = {
  seed: number;
  venue_accounts?: readonly (readonly [string, string])[];
  start_time_ms?: number;
};

export function auditStreamEvents(count: number, options: AuditStreamOptions): KeelEvent[] {
  const random = seededRandom(options.seed ^ 0x5eed);
  const events: KeelEvent[] = [];
  const open_orders = new Map<string, { order_id: string; client_order_id: string }>();
  for (const generated of generateEvents(count, { ...options, include_non_money: false })) {
    // Times on a 2-second grid: many events share a millisecond.
    const time = new Date(Math.floor(Date.parse(generated.time) / 2_000) * 2_000).toISOString();
    const event: KeelEvent = { ...generated, time };
    const place = `${event.venue}\u0000${event.account}`;
    if (event.type === 'trade' && event.instrument.kind === 'spot') {
      const open = open_orders.get(place);
      const joined =
        open !== undefined && random() < 0.5 ? open : { order_id: event.order_id, client_order_id: `c-${event.id}` };
      open_orders.set(place, joined);
      const fill: KeelEvent = { ...event, order_id: joined.order_id, client_order_id: joined.client_order_id };
      events.push(fill);
      if (joined.order_id === event.order_id) events.push(...orderStory(fill, random));
    } else if (event.type === 'deposit' && event.asset === 'ETH' && random() < 0.5) {
      const acquired_ms = Date.parse(time) - Math.floor(random() * 3_600_000);
      events.push({
        ...event,
        cost_basis: {
          amount: (random() * 2).toFixed(6),
          currency: 'BTC',
          acquired_at: new Date(acquired_ms).toISOString(),
        },
      });
    } else {
      events.push(event);
    }
  }
  return events;
}

/** A decision, a risk check and order events around a spot fill, some missing, some at other times. */
function orderStory(fill: Extract<KeelEvent, { type: 'trade' }>, random: () => number): KeelEvent[] {
  const story: KeelEvent[] = [];
  const at = (offset_ms: number) => new Date(Date.parse(fill.time) + offset_ms).toISOString();
  const common = { venue: fill.venue, account: fill.account };
  const client_order_id = fill.client_order_id!;
  if (random() < 0.8) {
    story.push({
      ...common,
      id: `${fill.id}:decision`,
      time: at(-2_000),
      type: 'decision',
      client_order_id,
      strategy: 'mean-revert',
      strategy_version: '1.4.2',
      instrument: fill.instrument,
      side: fill.side,
      quantity: fill.quantity,
      signals: { zscore: -2.1 },
      rationale: 'price two sigma below mean',
    });
  }
  if (random() < 0.7) {
    story.push({
      ...common,
      id: `${fill.id}:risk`,
      time: at(-2_000),
      type: 'risk_check',
      client_order_id,
      checks: [{ name: 'notional', value: 10, limit: 100, passed: true }],
      approved: true,
    });
  }
  if (random() < 0.7) {
    const order = {
      ...common,
      type: 'order' as const,
      client_order_id,
      order_id: fill.order_id,
      instrument: fill.instrument,
      side: fill.side,
      quantity: fill.quantity,
      order_type: 'limit',
    };
    story.push({ ...order, id: `${fill.id}:order-new`, time: at(-2_000), status: 'new' });
    story.push({ ...order, id: `${fill.id}:order-filled`, time: at(4_000), status: 'filled' });
  }
  return story;
}

/**
 * The events in an order of arrival: mostly by time, with `late_fraction` of them held back and
 * delivered up to `late_by_events` later, as venues and engines deliver them.
 */
export function arrivalOrder(
  events: readonly KeelEvent[],
  seed: number,
  late_fraction: number,
  late_by_events = 200,
): KeelEvent[] {
  const random = seededRandom(seed);
  const positioned = events.map((event, index) => ({
    event,
    position: index + (random() < late_fraction ? 1 + random() * late_by_events : 0),
  }));
  return positioned.sort((left, right) => left.position - right.position).map((entry) => entry.event);
}
