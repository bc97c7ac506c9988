// Query and response fields several routes share.
import { z } from 'zod';
import { account_types } from '../ledger/chart-of-accounts.js';

const iso_time_pattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/;

/** An ISO-8601 UTC time, e.g. 2024-03-01T12:00:00.000Z (milliseconds optional). */
export const iso_time = z
  .string()
  .regex(iso_time_pattern, { message: 'an ISO-8601 UTC time, e.g. 2024-03-01T12:00:00.000Z', abort: true })
  .refine((text) => Number.isFinite(Date.parse(text)) && Date.parse(text) > 0, 'not a real calendar time after 1970-01-01');

/** A decimal number as text (money and quantities never travel as JSON numbers). */
export const decimal = z.string().describe('a decimal number as a string');

export const account_type = z.enum(account_types as [string, ...string[]]);

export const name_filter = z.string().min(1).max(256);

/** `true`/`false` in a query string. */
export const query_boolean = z.enum(['true', 'false']).transform((text) => text === 'true');
