// The text forms of time that Keel accepts and writes. Event times, audit log times, report
// periods and price rows all use the one form `Date.prototype.toISOString` writes, so that times
// compare correctly as plain strings and hash the same wherever they were written.

/** An ISO-8601 UTC time with milliseconds, e.g. `2024-03-01T12:00:00.000Z` (the form `toISOString` writes). */
export const utc_time_pattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A calendar date in UTC, e.g. `2024-03-01`. */
export const utc_date_pattern = /^\d{4}-\d{2}-\d{2}$/;
