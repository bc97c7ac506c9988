// The ids of a store's rows, and a hash index from id to row, both in typed arrays.
//
// Why not a Map<bigint, number>: V8 hashes a BigInt by its lowest 64-bit digit only, so ids that
// differ only in their high bits (time-ordered ids, ids built from a prefix) all collide and every
// lookup turns linear; and a Map of millions of BigInt keys costs ~75 bytes per entry that every
// full garbage collection has to trace. Here an id costs 16 bytes of row data plus 4-8 bytes of
// open-addressing slot, nothing the collector traces, and splitting an id into words allocates
// once per lookup.

import { assert } from './limits.js';

const slot_empty = -1;
const slot_deleted = -2;
const slots_initial = 1024;
const rows_initial = 1024;
/** Grow before the table is half full (live rows and deleted slots both count), so probes stay short. */
const load_factor_max = 0.5;

const scratch_u64 = new BigUint64Array(2);
const scratch_u32 = new Uint32Array(scratch_u64.buffer);
// The word order below relies on a little-endian host (x86-64 and arm64, as tigerbeetle-node).
scratch_u64[0] = 1n;
assert(scratch_u32[0] === 1, 'the embedded ledger needs a little-endian host');

export class IdIndex {
  private words = new Uint32Array(rows_initial * 4);
  private words_u64 = new BigUint64Array(this.words.buffer);
  private slots = new Int32Array(slots_initial).fill(slot_empty);
  private slots_used = 0;
  /** The words of the id last passed to `split`. */
  private word_0 = 0;
  private word_1 = 0;
  private word_2 = 0;
  private word_3 = 0;

  /** The row holding `id`, or -1. */
  find(id: bigint): number {
    this.split(id);
    const mask = this.slots.length - 1;
    for (let slot = this.hash() & mask; ; slot = (slot + 1) & mask) {
      const row = this.slots[slot]!;
      if (row === slot_empty) return -1;
      if (row !== slot_deleted && this.row_matches(row)) return row;
    }
  }

  /** Records that `row` holds `id`; the id must not be indexed yet. */
  insert(id: bigint, row: number): void {
    if (row * 4 >= this.words.length) this.grow_rows(row);
    if ((this.slots_used + 1) / this.slots.length > load_factor_max) this.rehash(this.slots.length * 2);
    this.split(id);
    const base = row * 4;
    this.words[base] = this.word_0;
    this.words[base + 1] = this.word_1;
    this.words[base + 2] = this.word_2;
    this.words[base + 3] = this.word_3;
    this.place(row);
  }

  /** Forgets `row` (the rollback of a failed linked chain). */
  remove(row: number): void {
    this.load_row_words(row);
    const mask = this.slots.length - 1;
    for (let slot = this.hash() & mask; ; slot = (slot + 1) & mask) {
      const found = this.slots[slot]!;
      assert(found !== slot_empty, 'a removed row is indexed');
      if (found === row) {
        // A tombstone keeps the probe chains of later entries intact; rehashing clears it.
        this.slots[slot] = slot_deleted;
        return;
      }
    }
  }

  id(row: number): bigint {
    const high = this.words_u64[row * 2 + 1]!;
    const low = this.words_u64[row * 2]!;
    return high === 0n ? low : (high << 64n) | low;
  }

  private split(id: bigint): void {
    // Assigning to a BigUint64Array keeps the low 64 bits without allocating.
    scratch_u64[0] = id;
    scratch_u64[1] = id >> 64n;
    this.word_0 = scratch_u32[0]!;
    this.word_1 = scratch_u32[1]!;
    this.word_2 = scratch_u32[2]!;
    this.word_3 = scratch_u32[3]!;
  }

  private load_row_words(row: number): void {
    const base = row * 4;
    this.word_0 = this.words[base]!;
    this.word_1 = this.words[base + 1]!;
    this.word_2 = this.words[base + 2]!;
    this.word_3 = this.words[base + 3]!;
  }

  private row_matches(row: number): boolean {
    const base = row * 4;
    return (
      this.words[base] === this.word_0 &&
      this.words[base + 1] === this.word_1 &&
      this.words[base + 2] === this.word_2 &&
      this.words[base + 3] === this.word_3
    );
  }

  /** Mixes all four words, so ids that differ anywhere spread over the table. */
  private hash(): number {
    let hash = Math.imul(this.word_0 ^ 0x9e3779b9, 0x85ebca6b);
    hash = Math.imul(hash ^ this.word_1 ^ (hash >>> 15), 0xc2b2ae35);
    hash = Math.imul(hash ^ this.word_2 ^ (hash >>> 13), 0x85ebca6b);
    hash = Math.imul(hash ^ this.word_3 ^ (hash >>> 16), 0xc2b2ae35);
    return (hash ^ (hash >>> 15)) >>> 0;
  }

  /** Puts `row` (whose words are loaded) in the first free slot of its probe chain. */
  private place(row: number): void {
    const mask = this.slots.length - 1;
    let slot = this.hash() & mask;
    while (this.slots[slot] !== slot_empty) slot = (slot + 1) & mask;
    this.slots[slot] = row;
    this.slots_used += 1;
  }

  private rehash(slots_count: number): void {
    const old = this.slots;
    this.slots = new Int32Array(slots_count).fill(slot_empty);
    this.slots_used = 0;
    for (const row of old) {
      if (row < 0) continue;
      this.load_row_words(row);
      this.place(row);
    }
  }

  private grow_rows(row: number): void {
    let rows = this.words.length / 4;
    while (rows <= row) rows *= 2;
    const words = new Uint32Array(rows * 4);
    words.set(this.words);
    this.words = words;
    this.words_u64 = new BigUint64Array(words.buffer);
  }
}
