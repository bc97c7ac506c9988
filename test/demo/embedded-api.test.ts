// The HTTP API on the embedded defaults (what `keel demo --serve` runs): the embedded ledger,
// PGlite as the audit store, accepted events going through the in-process pipeline.
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type ApiApp } from '../../api/build-app.js';
import { EmbeddedKeel } from '../../cli/embedded-keel.js';
import type { KeelEvent } from '../../engine/event-schema.js';
import { AssetRegistry } from '../../ledger/asset-registry.js';
import { createLogger } from '../../platform/logger.js';
import { readValidEventFile } from '../../engine/event-file.js';

const token = 'embedded-test-token-0123456789';
const headers = { authorization: `Bearer ${token}` };
const examples: KeelEvent[] = await readValidEventFile(
  join(import.meta.dirname, '..', '..', 'examples', 'events.jsonl'),
);

let keel: EmbeddedKeel;
let app: ApiApp;

beforeAll(async () => {
  keel = await EmbeddedKeel.start(new AssetRegistry());
  app = await buildApp({
    ledger: keel.ledger,
    pool: keel.pool,
    publisher: { publish: async (events) => void (await keel.publish(events)) },
    registry: keel.registry,
    tokens: [{ name: 'test', token, scopes: ['read', 'write', 'metrics'] }],
    metrics: new Registry(),
    logger: createLogger('silent'),
    readiness: [],
  });
});

afterAll(async () => {
  await app.close();
  await keel.stop();
});

describe('the API on the embedded defaults', () => {
  it(
    'accepts events, posts and audits them in process, and answers balances and trade explanations',
    { timeout: 60_000 },
    async () => {
      const accepted = await app.inject({ method: 'POST', url: '/v1/events', headers, payload: examples });
      expect(accepted.statusCode, accepted.body).toBe(202);

      const balances = await app.inject({
        method: 'GET',
        url: '/v1/balances?venue=binance&account=spot-main&asset=USDT&type=cash',
        headers,
      });
      expect(balances.statusCode, balances.body).toBe(200);
      expect(JSON.stringify(balances.json())).toContain('11643.56');

      const explanation = await app.inject({
        method: 'GET',
        url: `/v1/trades/${encodeURIComponent('binance:spot-main:order:8812001')}/explanation`,
        headers: { ...headers, accept: 'text/plain' },
      });
      expect(explanation.statusCode, explanation.body).toBe(200);
      expect(explanation.body).toContain('strategy momentum (version 2.1.0)');

      const verify = await app.inject({ method: 'GET', url: '/v1/audit/verify', headers });
      expect(verify.json()).toMatchObject({ ok: true });
    },
  );
});
