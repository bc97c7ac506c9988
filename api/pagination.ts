// Keyset pagination for every list: `limit` (default 100, at most 1000) and an opaque `cursor`,
// returned as `next_cursor` when more may follow. A cursor is the sort key of the last row
// returned, base64url-encoded JSON: it stays valid while rows are added, and reading it back is
// validated like any other input.
import { z } from 'zod';
import { ApiError } from './api-errors.js';
import { unstorableTextReason } from './query-fields.js';

export const page_limit_default = 100;
export const page_limit_max = 1_000;
const cursor_length_max = 2_048;

export const page_query = {
  limit: z.coerce
    .number()
    .int('a whole number')
    .min(1, 'at least 1')
    .max(page_limit_max, `at most ${page_limit_max}`)
    .default(page_limit_default)
    .describe(`rows per page, 1..${page_limit_max} (default ${page_limit_default})`),
  cursor: z.string().min(1).max(cursor_length_max).optional().describe('the next_cursor of the previous page'),
};

export const next_cursor_schema = z
  .string()
  .nullable()
  .describe('pass as `cursor` for the next page; null when this was the last page');

export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** The key a cursor holds, checked against the shape this list uses; a bad cursor is the client's error. */
export function decodeCursor<T extends z.ZodType>(cursor: string | undefined, shape: T): z.infer<T> | undefined {
  if (cursor === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ApiError('cursor_invalid', 'the cursor is not one this list returned', {
      issues: [{ path: 'query.cursor', message: 'not a cursor of this list' }],
    });
  }
  const parsed = shape.safeParse(value);
  if (!parsed.success || hasUnstorableText(parsed.data))
    throw new ApiError('cursor_invalid', 'the cursor is not one this list returned', {
      issues: [{ path: 'query.cursor', message: 'not a cursor of this list' }],
    });
  return parsed.data;
}

/** The page of `rows` (fetched with limit + 1) and the cursor after it, if more rows follow. */
export function pageOf<T>(
  rows: readonly T[],
  limit: number,
  keyOf: (row: T) => readonly (string | number)[],
): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  const more = rows.length > limit;
  return { items, next_cursor: more && items.length > 0 ? encodeCursor(keyOf(items[items.length - 1]!)) : null };
}

/** True when a string in the decoded cursor could not be a query parameter (a forged cursor holding NUL). */
function hasUnstorableText(value: unknown): boolean {
  let found = false;
  JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === 'string' && unstorableTextReason(item) !== null) found = true;
    return item;
  });
  return found;
}
