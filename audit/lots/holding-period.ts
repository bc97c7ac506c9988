// The holding period (DESIGN.md §7): long-term when disposed of more than one year after
// acquisition, i.e. when the UTC date of disposal is after the anniversary of the UTC date of
// acquisition. Dates, not durations: a year is not 365 days (2024 had 366), and a disposal late
// on the anniversary itself is still short-term.

export type Term = 'short' | 'long';

/** A UTC calendar date as one comparable number: year × 10000 + month (1–12) × 100 + day. */
export function utcDateKey(time_ms: number): number {
  const date = new Date(time_ms);
  return date.getUTCFullYear() * 10_000 + (date.getUTCMonth() + 1) * 100 + date.getUTCDate();
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * The date key of the first anniversary of an acquisition. 29 February has no anniversary in a
 * year without one; it is taken as 28 February, so such a lot is long-term from 1 March (holding
 * counts from the day after acquisition, and one year after 1 March is the end of 28 February).
 */
export function anniversaryKey(acquired_ms: number): number {
  const date = new Date(acquired_ms);
  const year = date.getUTCFullYear() + 1;
  const month = date.getUTCMonth() + 1;
  const day = month === 2 && date.getUTCDate() === 29 && !isLeapYear(year) ? 28 : date.getUTCDate();
  return year * 10_000 + month * 100 + day;
}

export function termOf(anniversary_key: number, disposal_date_key: number): Term {
  return disposal_date_key > anniversary_key ? 'long' : 'short';
}

export function holdingTerm(acquired_ms: number, disposed_ms: number): Term {
  return termOf(anniversaryKey(acquired_ms), utcDateKey(disposed_ms));
}
