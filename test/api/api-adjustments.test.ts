// GET /v1/adjustments on the real services: the closed-through date, the standing closes, and a
// late event dated in the closed period listed with its original event, its boundary and its rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seal } from '../../audit/audit-seal.js';
import { storeEvents } from '../../audit/audit-store.js';
import { closePeriod } from '../../audit/close-store.js';
import type { KeelEvent } from '../../engine/event-schema.js';
import type { ApiApp } from '../../api/build-app.js';
import { bearer, createApiWorld, tokens, type ApiWorld } from './api-test-kit.js';

let world: ApiWorld;
let app: ApiApp;

/** Dated on the first day of the examples, stored after the books were closed through it. */
const late_deposit: KeelEvent = {
  id: 'binance:spot-main:deposit:late-1',
  type: 'deposit',
  time: '2024-03-01T09:00:00.000Z',
  venue: 'binance',
  account: 'spot-main',
  asset: 'ETH',
  amount: '1.5',
  cost_basis: { amount: '4500', currency: 'USD', acquired_at: '2024-02-20T00:00:00.000Z' },
};

beforeAll(async () => {
  world = await createApiWorld();
  app = await world.app();
});

afterAll(async () => {
  await world?.close();
});

describe('GET /v1/adjustments (real PostgreSQL)', () => {
  it('says nothing is closed before a close', async () => {
    const response = await app.inject({ method: 'GET', url: '/v1/adjustments', headers: bearer(tokens.reader) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ closed_through: null, closes: [], adjustments: [], next_cursor: null });
  });

  it('lists the close and each adjustment with its original event, boundary and lots', async () => {
    const client = await world.db.pool.connect();
    try {
      await closePeriod(client, { through_date: '2024-03-01', reason: 'first day', actor: 'tester' });
      await storeEvents(client, [{ event: late_deposit, source: null }]);
      await seal(client, world.registry, {});
    } finally {
      client.release();
    }
    const response = await app.inject({
      method: 'GET',
      url: '/v1/adjustments?limit=1',
      headers: bearer(tokens.reader),
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.closed_through).toBe('2024-03-01');
    expect(body.closes).toMatchObject([{ through_date: '2024-03-01', reason: 'first day', closed_by: 'tester' }]);
    expect(body.adjustments).toEqual([
      {
        event_id: late_deposit.id,
        type: 'deposit',
        event_time: late_deposit.time,
        applied_at: '2024-03-02T00:00:00.000Z',
        event: late_deposit,
        lot_ids: [`${late_deposit.id}#amount`],
        disposal_ids: [],
      },
    ]);
    expect(body.next_cursor).toBeNull();
    const bad = await app.inject({ method: 'GET', url: '/v1/adjustments?cursor=nope', headers: bearer(tokens.reader) });
    expect(bad.statusCode).toBe(400);
  });
});
