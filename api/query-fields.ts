// Query and response fields several routes share.
import { z } from 'zod';
import { account_types } from '../ledger/chart-of-accounts.js';
import type { ApiIssue } from './api-errors.js';

const iso_time_pattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

/** An ISO-8601 UTC time, e.g. 2024-03-01T12:00:00.000Z (milliseconds optional). */
export const iso_time = z
  .string()
  .regex(iso_time_pattern, { message: 'an ISO-8601 UTC time, e.g. 2024-03-01T12:00:00.000Z', abort: true })
  .refine(
    (text) => Number.isFinite(Date.parse(text)) && Date.parse(text) > 0,
    'not a real calendar time after 1970-01-01',
  );

/** A decimal number as text (money and quantities never travel as JSON numbers). */
export const decimal = z.string().describe('a decimal number as a string');

export const account_type = z.enum(account_types as [string, ...string[]]);

export const name_filter = z.string().min(1).max(256);

/** `true`/`false` in a query string. */
export const query_boolean = z.enum(['true', 'false']).transform((text) => text === 'true');

/** A lone UTF-16 surrogate: JavaScript strings may hold one, UTF-8 (and so PostgreSQL) cannot. */
const lone_surrogate_pattern = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why PostgreSQL could not take this text as a parameter (NUL, a lone surrogate), or null when it can. */
export function unstorableTextReason(text: string): string | null {
  if (text.includes('\u0000')) return 'contains a NUL character';
  if (lone_surrogate_pattern.test(text)) return 'contains a lone UTF-16 surrogate (not valid Unicode)';
  return null;
}

/**
 * The problems of a request's path parameters and query string that no schema states: a value the
 * audit store cannot take (`/v1/trades/%00` would fail in PostgreSQL as a 500), and a query
 * parameter given more than once (`limit=1&limit=2` would reach the schema as an array).
 */
export function requestTextIssues(params: unknown, query: unknown): ApiIssue[] {
  const issues: ApiIssue[] = [];
  for (const [prefix, values] of [
    ['params', params],
    ['query', query],
  ] as const) {
    if (typeof values !== 'object' || values === null) continue;
    for (const [name, value] of Object.entries(values)) {
      if (Array.isArray(value))
        issues.push({ path: `${prefix}.${name}`, message: `given ${value.length} times; give it once` });
      const reason = typeof value === 'string' ? unstorableTextReason(value) : null;
      if (reason !== null) issues.push({ path: `${prefix}.${name}`, message: reason });
    }
  }
  return issues;
}
