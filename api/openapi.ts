// The OpenAPI document, generated from the routes' zod schemas by building the app with inert
// dependencies (nothing is connected: a document needs no server). `npm run openapi` writes it to
// api/openapi.json, which is committed; api/openapi.test.ts fails when the two differ.
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { EmbeddedLedger } from '../ledger/embedded-ledger.js';
import { AssetRegistry } from '../ledger/asset-registry.js';
import { createPool } from '../platform/postgres.js';
import { buildApp } from './build-app.js';

export const openapi_file = join(import.meta.dirname, 'openapi.json');

export async function generateOpenApi(): Promise<string> {
  const pool = createPool('postgres://openapi@127.0.0.1:1/none', { max_connections: 1 });
  const ledger = new EmbeddedLedger();
  const app = await buildApp({
    ledger,
    pool,
    publisher: { publish: async () => undefined },
    registry: new AssetRegistry(),
    tokens: [],
    metrics: new Registry(),
    logger: pino({ level: 'silent' }),
    readiness: [],
  });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
    await ledger.close();
    await pool.end();
  }
}
