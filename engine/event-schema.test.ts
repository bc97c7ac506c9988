import { describe, expect, it } from 'vitest';
import { generateEvents } from '../test/support/event-generator.js';
import { example_events } from '../test/support/example-events.js';
import { event_types, parseEvent, type EventIssue } from './event-schema.js';
import { event_depth_max, findUnstorableParts, shape_problems_listed_max } from './event-shape.js';

function issuesOf(input: unknown): EventIssue[] {
  const result = parseEvent(input);
  if (result.ok) throw new Error('expected the event to be rejected');
  return result.issues;
}

describe('canonical event schema v1', () => {
  it('has an example of every type, and accepts each', () => {
    expect(Object.keys(example_events).sort()).toEqual([...event_types].sort());
    for (const example of Object.values(example_events)) {
      const result = parseEvent(example);
      expect(result.ok, JSON.stringify(result)).toBe(true);
    }
  });

  it('accepts every generated event', () => {
    for (const event of generateEvents(2000, { seed: 7, include_non_money: true })) {
      const result = parseEvent(event);
      expect(result.ok, JSON.stringify(result)).toBe(true);
    }
  });

  it('reports every problem at once, each with its path', () => {
    const issues = issuesOf({
      ...example_events.trade,
      quantity: '-1',
      fees: [{ asset: 'BNB' }, { asset: 'USDT', amount: '1,5' }],
      time: '2024-03-01 12:00',
    });
    expect(issues.map((issue) => issue.path).sort()).toEqual(['fees.0.amount', 'fees.1.amount', 'quantity', 'time']);
    expect(issues.find((issue) => issue.path === 'quantity')?.message).toMatch(/greater than zero/);
  });

  it('rejects an unknown type, naming the field', () => {
    const issues = issuesOf({ ...example_events.deposit, type: 'swap' });
    expect(issues[0]?.path).toBe('type');
  });

  it('rejects unknown fields, so a misspelt field is not silently ignored', () => {
    const issues = issuesOf({ ...example_events.withdrawal, fees: '1' });
    expect(issues).toEqual([expect.objectContaining({ path: '(event)' })]);
    expect(issues[0]?.message).toMatch(/fees/);
  });

  it('rejects times that are not UTC with milliseconds, or not real dates', () => {
    for (const time of [
      '2024-03-01T12:00:00Z',
      '2024-03-01T12:00:00.000+01:00',
      '2024-02-30T00:00:00.000Z',
      '1969-12-31T23:59:59.000Z',
    ]) {
      expect(issuesOf({ ...example_events.deposit, time })[0]?.path).toBe('time');
    }
  });

  it('rejects a transfer to the same venue account, and amounts as numbers', () => {
    expect(issuesOf({ ...example_events.transfer, to_venue: 'binance', to_account: 'spot-main' })[0]?.path).toBe(
      'to_account',
    );
    expect(issuesOf({ ...example_events.deposit, amount: 1 })[0]?.path).toBe('amount');
  });

  it('accepts amounts in the one canonical spelling only, trailing zeros included', () => {
    for (const amount of ['0.5', '10', '0.9150', '120.50', '1000000000000000000000000000000000000000']) {
      expect(parseEvent({ ...example_events.deposit, amount }).ok, amount).toBe(true);
    }
    for (const amount of ['-0.9150', '-1', '0', '-0.000001'])
      expect(parseEvent({ ...example_events.income, amount }).ok, amount).toBe(true);
    for (const amount of [
      '1e999',
      '1e3',
      '1E3',
      '+5',
      '01',
      '00.5',
      '.5',
      '5.',
      '1.2.3',
      ' 5',
      '5 ',
      '0x10',
      '١',
      'Infinity',
      'NaN',
      '',
    ]) {
      expect(issuesOf({ ...example_events.deposit, amount }), amount).toEqual([
        { path: 'amount', message: expect.stringMatching(/plain digits/) },
      ]);
      expect(issuesOf({ ...example_events.trade, fees: [{ asset: 'BNB', amount }] })[0]?.path, amount).toBe(
        'fees.0.amount',
      );
      expect(issuesOf({ ...example_events.income, amount })[0]?.path, amount).toBe('amount');
    }
    expect(issuesOf({ ...example_events.income, amount: '-0.00' })).toEqual([
      { path: 'amount', message: 'zero is written without a sign' },
    ]);
    expect(issuesOf({ ...example_events.deposit, fee: '-1' })).toEqual([
      { path: 'fee', message: expect.stringMatching(/not be negative/) },
    ]);
    expect(issuesOf({ ...example_events.deposit, amount: '0.000' })).toEqual([
      { path: 'amount', message: 'must be greater than zero' },
    ]);
    expect(issuesOf({ ...example_events.deposit, amount: '1'.repeat(101) })[0]?.message).toMatch(
      /at most 100 characters/,
    );
  });

  it('rejects NUL and lone surrogates in any string or key, raw included, naming where', () => {
    expect(issuesOf({ ...example_events.deposit, id: 'd\u00001' })).toEqual([
      { path: 'id', message: expect.stringMatching(/U\+0000/) },
    ]);
    expect(issuesOf({ ...example_events.deposit, id: 'd\ud8001' })).toEqual([
      { path: 'id', message: expect.stringMatching(/lone surrogate/) },
    ]);
    expect(issuesOf({ ...example_events.deposit, id: 'd\udc00' })[0]?.path).toBe('id');
    expect(issuesOf({ ...example_events.deposit, raw: { a: [1, { b: 'x\u0000' }] } })).toEqual([
      { path: 'raw.a.1.b', message: expect.stringMatching(/U\+0000/) },
    ]);
    expect(issuesOf({ ...example_events.deposit, raw: { 'k\u0000': 1 } })).toEqual([
      { path: 'raw', message: expect.stringMatching(/^a key holds U\+0000/) },
    ]);
    expect(
      parseEvent({
        ...example_events.deposit,
        id: 'd:😀:\ud83d\ude00',
        raw: { note: 'tab\tand \u0001 are stored fine' },
      }).ok,
    ).toBe(true);
    const unknown_keys = issuesOf({ ...example_events.deposit, ['x\u0000\ud800'.repeat(100)]: 1 });
    expect(unknown_keys.map((issue) => issue.path)).toEqual(['(event)', '(event)']);
    for (const issue of unknown_keys) expect(findUnstorableParts(issue)).toEqual([]);
    const many = Object.fromEntries(Array.from({ length: 1000 }, (_, index) => [`k${index}`, '\u0000']));
    expect(issuesOf({ ...example_events.deposit, raw: many })).toHaveLength(shape_problems_listed_max);
  });

  it('rejects nesting deeper than the limit, at the field that holds it, however deep', () => {
    const nest = (levels: number): unknown => {
      let value: unknown = 1;
      for (let level = 0; level < levels; level += 1) value = level % 2 === 0 ? [value] : { inner: value };
      return value;
    };
    // The event object is level 1, so `raw` may hold event_depth_max - 1 levels.
    expect(parseEvent({ ...example_events.deposit, raw: nest(event_depth_max - 1) }).ok).toBe(true);
    for (const levels of [event_depth_max, 5_000, 200_000]) {
      expect(issuesOf({ ...example_events.deposit, raw: nest(levels) })).toEqual([
        { path: 'raw', message: `nested deeper than ${event_depth_max} levels` },
      ]);
    }
  });
});
