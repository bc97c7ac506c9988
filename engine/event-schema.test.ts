import { describe, expect, it } from 'vitest';
import { generateEvents } from '../test/support/event-generator.js';
import { example_events } from '../test/support/example-events.js';
import { event_types, parseEvent, type EventIssue } from './event-schema.js';

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
    const issues = issuesOf({ ...example_events.trade, quantity: '-1', fees: [{ asset: 'BNB' }, { asset: 'USDT', amount: '1,5' }], time: '2024-03-01 12:00' });
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
    for (const time of ['2024-03-01T12:00:00Z', '2024-03-01T12:00:00.000+01:00', '2024-02-30T00:00:00.000Z', '1969-12-31T23:59:59.000Z']) {
      expect(issuesOf({ ...example_events.deposit, time })[0]?.path).toBe('time');
    }
  });

  it('rejects a transfer to the same venue account, and amounts as numbers', () => {
    expect(issuesOf({ ...example_events.transfer, to_venue: 'binance', to_account: 'spot-main' })[0]?.path).toBe('to_account');
    expect(issuesOf({ ...example_events.deposit, amount: 1 })[0]?.path).toBe('amount');
  });
});
