// The API on a real socket: app.listen on a free port, requests with fetch, then a clean close.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createApiWorld, tokens, type ApiWorld } from './api-test-kit.js';

let world: ApiWorld;

beforeAll(async () => {
  world = await createApiWorld();
}, 120_000);

afterAll(async () => {
  await world?.close();
});

describe('the listening server', () => {
  it('answers over HTTP: health, a protected read, a refused request, and the explanation as text', async () => {
    const app = await world.app();
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    expect(address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    expect(await (await fetch(`${address}/healthz`)).json()).toEqual({ status: 'ok' });
    const unauthorised = await fetch(`${address}/v1/balances`);
    expect(unauthorised.status).toBe(401);
    expect(unauthorised.headers.get('www-authenticate')).toContain('Bearer');

    const balances = await fetch(`${address}/v1/balances?venue=binance&type=cash&asset=USDT`, {
      headers: bearer(tokens.reader),
    });
    expect(balances.status).toBe(200);
    expect(((await balances.json()) as { balances: unknown[] }).balances).toEqual([
      expect.objectContaining({ venue: 'binance', account: 'spot-main', type: 'cash', asset: 'USDT' }),
    ]);

    const explanation = await fetch(
      `${address}/v1/trades/${encodeURIComponent('binance:spot-main:order:8812001')}/explanation`,
      { headers: { ...bearer(tokens.reader), accept: 'text/plain' } },
    );
    expect(explanation.status).toBe(200);
    expect(await explanation.text()).toMatch(/^Trade binance:spot-main:order:8812001: BUY 0\.5 BTC/);

    const posted = await fetch(`${address}/v1/events`, {
      method: 'POST',
      headers: { ...bearer(tokens.writer), 'content-type': 'application/json' },
      body: '[]',
    });
    expect(posted.status).toBe(400);
    expect(((await posted.json()) as { error: { code: string } }).error.code).toBe('KEEL_ERR_API_VALIDATION');

    await app.close();
    await expect(fetch(`${address}/healthz`)).rejects.toThrow();
  });
});
