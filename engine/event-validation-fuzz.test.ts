// Property tests of the decode-and-validate step every consumer shares: whatever arrives (any JSON,
// any text, any bytes, hostile values in any field of a valid event), the answer is a valid event or a
// coded rejection, never a throw; and an accepted event can be stored, hashed and parsed by every
// later step without an error.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDecimal } from '../ledger/money.js';
import { canonicalJson } from '../platform/canonical-json.js';
import { generateEvents } from '../test/support/event-generator.js';
import { example_events } from '../test/support/example-events.js';
import { engine_error_codes } from './engine-errors.js';
import { decodeEvent, event_length_max, type DecodedEvent } from './event-decode.js';
import { canonical_decimal_pattern } from './event-schema.js';
import { findUnstorableParts } from './event-shape.js';

const rejection_codes: string[] = [engine_error_codes.event_malformed, engine_error_codes.event_invalid];
const amount_fields = new Set(['amount', 'fee', 'quantity', 'price', 'cost', 'contract_size']);

/** The answer is well formed (a reason PostgreSQL can store); an accepted event is storable and its amounts parse. */
function expectTotalAnswer(decoded: DecodedEvent): void {
  if (!decoded.ok) {
    expect(rejection_codes).toContain(decoded.code);
    expect(decoded.reason.length).toBeGreaterThan(0);
    expect(findUnstorableParts({ reason: decoded.reason })).toEqual([]);
    return;
  }
  const { raw: _raw, ...content } = decoded.event;
  for (const [field, text] of amountsOf(content)) {
    expect(text, field).toMatch(canonical_decimal_pattern);
    expect(() => parseDecimal(text, field)).not.toThrow();
  }
  expect(() => canonicalJson(decoded.event)).not.toThrow();
  expect(JSON.parse(JSON.stringify(decoded.event))).toEqual(decoded.event);
}

function amountsOf(value: unknown, path = ''): [string, string][] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) => {
    const field = path === '' ? key : `${path}.${key}`;
    if (amount_fields.has(key) && typeof item === 'string') return [[field, item] as [string, string]];
    return amountsOf(item, field);
  });
}

const code_unit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));
/** Any UTF-16 text: NUL, control characters and lone surrogates included. */
const any_text = fc.string({ unit: code_unit, maxLength: 40 });
const hostile_text = fc.oneof(
  any_text,
  fc.constantFrom(
    '1e999',
    '-1e999',
    '1e-999',
    '+5',
    '1e3',
    '01',
    '-0',
    '00.5',
    '.5',
    '5.',
    '0x1',
    'Infinity',
    'NaN',
    '\u0000',
    '\ud800',
    '\udfff',
    '\u001b[2J',
  ),
  fc.bigInt({ min: -(10n ** 120n), max: 10n ** 120n }).map((value) => value.toString()),
  fc
    .tuple(fc.bigInt({ min: 0n, max: 10n ** 60n }), fc.nat(80))
    .map(([digits, zeros]) => `${digits}.${'0'.repeat(zeros)}1`),
);
const hostile_value = fc.oneof(
  hostile_text,
  fc.constantFrom(1e308, -1e308, 5e-324, -0, Number.MAX_SAFE_INTEGER + 2, null, true, [], {}),
  fc.jsonValue({ maxDepth: 4 }),
  fc
    .integer({ min: 1, max: 3_000 })
    .map((levels) => '['.repeat(levels) + ']'.repeat(levels))
    .map((text) => JSON.parse(text) as unknown),
);

/** Replaces, adds or removes one field at any depth of a JSON value. */
function mutate(value: unknown, path: readonly number[], replacement: unknown): unknown {
  if (typeof value !== 'object' || value === null) return replacement;
  const keys = Object.keys(value);
  if (keys.length === 0 || path.length === 0)
    return Array.isArray(value) ? [...value, replacement] : { ...value, extra: replacement };
  const key = keys[path[0]! % keys.length]!;
  const copy: Record<string, unknown> = Array.isArray(value)
    ? ([...(value as unknown[])] as unknown as Record<string, unknown>)
    : { ...value };
  if (path.length === 1 && replacement === undefined) delete copy[key];
  else copy[key] = mutate((value as Record<string, unknown>)[key], path.slice(1), replacement);
  return copy;
}

const valid_events: unknown[] = [
  ...Object.values(example_events),
  ...generateEvents(200, { seed: 16, include_non_money: true }),
];

// Thousands of runs each: generous time, since the test machine may be shared; the bound is not the subject.
describe('decode and validate: total on any input', { timeout: 180_000 }, () => {
  it('answers any JSON value with an event or a coded rejection', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => expectTotalAnswer(decodeEvent(JSON.stringify(value) ?? 'null'))),
      { numRuns: 1_000 },
    );
  });

  it('answers any text and any bytes read as UTF-8', () => {
    fc.assert(
      fc.property(fc.string({ unit: code_unit, maxLength: 400 }), (text) => expectTotalAnswer(decodeEvent(text))),
      { numRuns: 1_000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) =>
        expectTotalAnswer(decodeEvent(Buffer.from(bytes).toString('utf8'))),
      ),
      { numRuns: 500 },
    );
  });

  it('answers a valid event with any one field replaced, added or removed by a hostile value', () => {
    const mutation = fc.tuple(
      fc.constantFrom(...valid_events),
      fc.array(fc.nat(40), { minLength: 1, maxLength: 4 }),
      fc.option(hostile_value, { nil: undefined }),
    );
    fc.assert(
      fc.property(mutation, ([event, path, replacement]) => {
        expectTotalAnswer(decodeEvent(JSON.stringify(mutate(event, path, replacement))));
      }),
      { numRuns: 2_000 },
    );
  });

  it('rejects any amount field spelt other than canonically, and keeps the spelling it accepts', () => {
    const amount_event = fc.constantFrom(...valid_events.filter((event) => amountsOf(event).length > 0));
    fc.assert(
      fc.property(amount_event, fc.nat(), hostile_text, (event, pick, text) => {
        const fields = amountsOf(event);
        const [field] = fields[pick % fields.length]!;
        const decoded = decodeEvent(JSON.stringify(setPath(event, field.split('.'), text)));
        if (!canonical_decimal_pattern.test(text))
          expect(decoded).toMatchObject({
            ok: false,
            code: engine_error_codes.event_invalid,
            reason: expect.stringContaining(field),
          });
        if (decoded.ok) expect(JSON.stringify(decoded.event)).toContain(JSON.stringify(text));
      }),
      { numRuns: 2_000 },
    );
  });

  it('finishes on 1 MB inputs of every shape: wide, deep, long strings, many numbers', () => {
    const budget = event_length_max - 1_000;
    const inputs = [
      JSON.stringify({ ...example_events.deposit, raw: { blob: 'x'.repeat(budget) } }),
      JSON.stringify({ ...example_events.deposit, raw: { blob: `${'x'.repeat(budget - 10)}\\u0000` } }).replace(
        '\\\\u0000',
        '\\u0000',
      ),
      JSON.stringify({
        ...example_events.deposit,
        raw: Array.from({ length: budget / 24 }, (_, index) => ({ [`k${index}`]: index })),
      }),
      JSON.stringify({ ...example_events.deposit, raw: 0 }).replace(
        '"raw":0',
        `"raw":${'['.repeat(budget / 2)}${']'.repeat(budget / 2)}`,
      ),
      JSON.stringify({ ...example_events.deposit, amount: '9'.repeat(budget) }),
      JSON.stringify({
        ...example_events.trade,
        fees: Array.from({ length: budget / 40 }, () => ({ asset: 'BNB', amount: '1e999' })),
      }),
      `{"id":"${'\\u0000'.repeat(budget / 6)}"}`,
      JSON.stringify({ ...example_events.deposit, [`x${'y'.repeat(budget - 500)}`]: 1 }),
    ];
    for (const text of inputs) {
      expect(text.length).toBeGreaterThan(budget / 2);
      expect(text.length).toBeLessThanOrEqual(event_length_max);
      const decoded = decodeEvent(text);
      expectTotalAnswer(decoded);
      expect(decoded.ok).toBe(text === inputs[0] || text === inputs[2]);
      if (!decoded.ok) expect(decoded.reason.length).toBeLessThan(10_000);
    }
    expect(decodeEvent('['.repeat(event_length_max + 1))).toMatchObject({
      ok: false,
      code: engine_error_codes.event_malformed,
    });
  });
});

function setPath(value: unknown, path: readonly string[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const container = value as Record<string, unknown>;
  const copy: Record<string, unknown> = Array.isArray(container)
    ? ([...container] as unknown as Record<string, unknown>)
    : { ...container };
  copy[path[0]!] = setPath(container[path[0]!], path.slice(1), replacement);
  return copy;
}
