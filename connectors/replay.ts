// Replaying recorded exchange responses through ccxt, with no network. A recording ("session")
// names a venue account, the markets snapshot to load, the streams to read, and the HTTP responses
// in order. The replay `fetch` is strict: a request that matches no recorded response (by method,
// URL path and any query values the recording pins) fails, so a test that passes proves that
// nothing reached the network and that ccxt asked exactly what the recording answers.
//
// A response is given inline (`body`) or by reference to a case of a ccxt static-test fixture
// (`from: {file, method, case}` → its `httpResponse`), so the recorded data is kept once, with
// its source and licence, in the form it was published in.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { connector_error_codes, connectorError } from './connector-errors.js';
import type { FetchImplementation } from './ccxt-exchange.js';
import { stream_names } from './venue-mapping.js';

const response_schema = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'DELETE']).default('GET'),
  /** The URL path (no host, no query), e.g. `/api/v3/myTrades`. */
  path: z.string().startsWith('/').max(512),
  /** Query values the request must carry (others are not checked: ccxt adds timestamps and signatures). */
  query: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
  /** A ccxt static-test fixture case (`method`, `case` → its `httpResponse`), or a whole file (a documented example response). */
  from: z
    .strictObject({
      file: z.string().min(1).max(512),
      method: z.string().min(1).max(64).optional(),
      case: z.number().int().min(0).max(1000).default(0),
    })
    .optional(),
  /** An answer that may be given any number of times (an empty page); others are used once. */
  repeat: z.boolean().default(false),
  status: z.number().int().min(100).max(599).default(200),
  note: z.string().max(2000).optional(),
});

export const session_schema = z.strictObject({
  venue: z.string().min(1).max(64),
  account: z.string().min(1).max(256),
  /** Where the data comes from (SOURCES.md has the detail). */
  source: z.string().min(1).max(4000),
  /** A ccxt markets snapshot (a list or a map of markets), relative to the session file. */
  markets: z.string().min(1).max(512),
  currencies: z.string().min(1).max(512).optional(),
  streams: z
    .array(z.enum(stream_names as [string, ...string[]]))
    .min(1)
    .max(4),
  symbols: z.array(z.string().min(1).max(64)).max(100).default([]),
  currency_codes: z.array(z.string().min(1).max(32)).max(100).default([]),
  since: z.string().regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z)?$/),
  until: z.string().regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+Z)?$/),
  wallet_accounts: z
    .record(z.string(), z.strictObject({ venue: z.string().min(1), account: z.string().min(1) }))
    .default({}),
  responses: z.array(response_schema).min(1).max(10_000),
});

export type ReplaySession = z.infer<typeof session_schema> & { file: string };
type RecordedResponse = z.infer<typeof response_schema>;

export function loadSession(file: string): ReplaySession {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw connectorError(
      connector_error_codes.replay_recording_invalid,
      `recording ${file}: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  const parsed = session_schema.safeParse(document);
  if (!parsed.success) {
    throw connectorError(
      connector_error_codes.replay_recording_invalid,
      `recording ${file}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`,
    );
  }
  return { ...parsed.data, file: resolve(file) };
}

/** Every `*.session.json` of a directory, in name order (so a replay is the same every time). */
export function loadSessions(directory: string): ReplaySession[] {
  const names = readdirSync(directory)
    .filter((name) => name.endsWith('.session.json'))
    .sort();
  if (names.length === 0)
    throw connectorError(
      connector_error_codes.replay_recording_invalid,
      `no *.session.json recordings in ${directory}`,
    );
  return names.map((name) => loadSession(join(directory, name)));
}

export function readSessionJson(session: ReplaySession, relative: string): unknown {
  const path = resolve(dirname(session.file), relative);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw connectorError(
      connector_error_codes.replay_recording_invalid,
      `recording ${session.file}: cannot read ${relative}: ${(error as Error).message.split('\n')[0]}`,
    );
  }
}

export type ReplayFetch = {
  fetch: FetchImplementation;
  requests: { method: string; url: string }[];
  unused(): RecordedResponse[];
};

/** A `fetch` that answers only what the session recorded, in order, and fails on anything else. */
export function replayFetch(session: ReplaySession): ReplayFetch {
  const fixtures = new Map<string, unknown>();
  const bodyOf = (response: RecordedResponse): unknown => {
    if (response.from === undefined) return response.body;
    const { file, method, case: index } = response.from;
    if (!fixtures.has(file)) fixtures.set(file, readSessionJson(session, file));
    if (method === undefined) return fixtures.get(file);
    const methods = (fixtures.get(file) as { methods?: Record<string, { httpResponse?: unknown }[]> }).methods ?? {};
    const found = methods[method]?.[index];
    if (found === undefined)
      throw connectorError(
        connector_error_codes.replay_recording_invalid,
        `recording ${session.file}: ${file} has no case ${method}[${index}]`,
      );
    return found.httpResponse;
  };
  const pending = session.responses.map((response) => ({ response, used: false }));
  const requests: { method: string; url: string }[] = [];
  const fetch: FetchImplementation = async (url, init) => {
    const method = (init.method ?? 'GET').toUpperCase();
    requests.push({ method, url });
    const parsed = new URL(url);
    const slot = pending.find(
      ({ response, used }) =>
        (!used || response.repeat) &&
        response.method === method &&
        response.path === parsed.pathname &&
        queryMatches(response.query, parsed, init.body),
    );
    if (slot === undefined) {
      throw connectorError(
        connector_error_codes.replay_unexpected_request,
        `replay of ${session.file}: no recorded response for ${method} ${parsed.pathname}${parsed.search.replace(/(signature|sign)=[^&]+/g, '$1=…')}`,
      );
    }
    slot.used = true;
    const body = bodyOf(slot.response);
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
      status: slot.response.status,
      headers: { 'content-type': 'application/json' },
    });
  };
  return {
    fetch,
    requests,
    unused: () => pending.filter(({ response, used }) => !used && !response.repeat).map(({ response }) => response),
  };
}

function queryMatches(expected: Record<string, string> | undefined, url: URL, body: unknown): boolean {
  if (expected === undefined) return true;
  // POST venues (Kraken) sign form bodies: their parameters are matched there.
  const form = typeof body === 'string' ? new URLSearchParams(body) : undefined;
  return Object.entries(expected).every(
    ([name, value]) => url.searchParams.get(name) === value || form?.get(name) === value,
  );
}
