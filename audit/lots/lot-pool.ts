// A pool of open lots of one asset, ordered by the method so that the next lot to consume is
// always at the top of a binary heap: O(log n) per lot taken or added, whatever the method.
// (A deque would do for FIFO and LIFO if lots always arrived in acquisition order, but deposits
// with an earlier `acquired_at` and lots moved in by transfers do not.)
import type { Decimal } from '../../ledger/money.js';
import { assertAudit } from '../audit-errors.js';
import { compareRatios, isPositive, proportionalShare } from './decimal-math.js';
import { compareDecimals, subtractDecimals, zero_decimal } from '../../ledger/money.js';
import type { LotMethod } from './lot-settings.js';

export type Lot = {
  readonly lot_id: string;
  /** Where the lot was acquired or last moved to. */
  readonly venue: string;
  readonly account: string;
  readonly asset: string;
  /** What is left of the lot; always positive while the lot is in a pool. */
  quantity: Decimal;
  /** The cost of what is left, in the reporting currency; null when the acquisition could not be priced. */
  cost: Decimal | null;
  readonly acquired_ms: number;
  /** `acquired_ms` as ISO-8601, made once per lot rather than once per row. */
  readonly acquired_at: string;
  readonly anniversary_key: number;
  readonly acquisition_event_id: string;
  /** Creation order of the original lot (kept by moved parts) and of this lot: deterministic tie-breaks. */
  readonly origin_sequence: number;
  readonly sequence: number;
  /** Cost and quantity at acquisition: the lot's unit cost for HIFO, fixed for its life so a partial take never reorders the heap. */
  readonly unit_cost_amount: Decimal | null;
  readonly unit_cost_quantity: Decimal;
};

/** A part of one lot taken by a disposal, withdrawal or transfer. */
/** `emptied`: the piece was all that was left of the lot, which has left the pool. */
export type LotPiece = { lot: Lot; quantity: Decimal; cost: Decimal | null; emptied: boolean };
export type Taken = { pieces: LotPiece[]; uncovered: Decimal };

type Before = (left: Lot, right: Lot) => boolean;

const older: Before = (left, right) =>
  left.acquired_ms !== right.acquired_ms
    ? left.acquired_ms < right.acquired_ms
    : left.origin_sequence !== right.origin_sequence
      ? left.origin_sequence < right.origin_sequence
      : left.sequence < right.sequence;

const newer: Before = (left, right) => older(right, left);

/** Highest cost per unit first (cross-multiplied, exact); unpriced lots last; ties oldest first. */
const dearer: Before = (left, right) => {
  if (left.unit_cost_amount === null || right.unit_cost_amount === null) {
    if (left.unit_cost_amount !== right.unit_cost_amount) return right.unit_cost_amount === null;
    return older(left, right);
  }
  const order = compareRatios(
    left.unit_cost_amount,
    left.unit_cost_quantity,
    right.unit_cost_amount,
    right.unit_cost_quantity,
  );
  return order !== 0 ? order > 0 : older(left, right);
};

export const method_order: Record<LotMethod, Before> = { fifo: older, lifo: newer, hifo: dearer };

export class LotPool {
  private readonly heap: Lot[] = [];

  constructor(private readonly before: Before) {}

  get size(): number {
    return this.heap.length;
  }

  add(lot: Lot): void {
    assertAudit(isPositive(lot.quantity), `lot ${lot.lot_id} added with quantity that is not positive`);
    this.heap.push(lot);
    this.siftUp(this.heap.length - 1);
  }

  /**
   * Takes `quantity` from the lots in method order. A lot taken in part keeps the rest, with
   * cost = cost − the part's cost, so the parts of a lot always add up to its cost exactly.
   */
  take(quantity: Decimal, rounding_scale: number): Taken {
    assertAudit(isPositive(quantity), 'take: quantity must be positive');
    const pieces: LotPiece[] = [];
    let remaining = quantity;
    while (isPositive(remaining) && this.heap.length > 0) {
      const lot = this.heap[0]!;
      if (compareDecimals(lot.quantity, remaining) <= 0) {
        pieces.push({ lot, quantity: lot.quantity, cost: lot.cost, emptied: true });
        remaining = subtractDecimals(remaining, lot.quantity);
        this.pop();
      } else {
        const cost = lot.cost === null ? null : proportionalShare(lot.cost, remaining, lot.quantity, rounding_scale);
        pieces.push({ lot, quantity: remaining, cost, emptied: false });
        lot.quantity = subtractDecimals(lot.quantity, remaining);
        lot.cost = lot.cost === null || cost === null ? null : subtractDecimals(lot.cost, cost);
        remaining = zero_decimal;
      }
    }
    return { pieces, uncovered: remaining };
  }

  /** Every open lot, in no particular order. */
  lots(): readonly Lot[] {
    return this.heap;
  }

  /** A pool holding exactly these lots (a restored checkpoint): heap order rebuilt, not trusted. */
  static of(before: Before, lots: readonly Lot[]): LotPool {
    const pool = new LotPool(before);
    for (const lot of lots) pool.add(lot);
    return pool;
  }

  private pop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length === 0) return;
    this.heap[0] = last;
    this.siftDown(0);
  }

  private siftUp(start: number): void {
    const heap = this.heap;
    let index = start;
    const lot = heap[index]!;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(lot, heap[parent]!)) break;
      heap[index] = heap[parent]!;
      index = parent;
    }
    heap[index] = lot;
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    const length = heap.length;
    let index = start;
    const lot = heap[index]!;
    while (true) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && this.before(heap[right]!, heap[left]!) ? right : left;
      if (!this.before(heap[child]!, lot)) break;
      heap[index] = heap[child]!;
      index = child;
    }
    heap[index] = lot;
  }
}
