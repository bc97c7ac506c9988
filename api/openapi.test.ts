// Drift check: the committed api/openapi.json is exactly what the routes' schemas generate now.
// When this fails, run `npm run openapi` and commit api/openapi.json with the change.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateOpenApi, openapi_file } from './openapi.js';

describe('OpenAPI document', () => {
  it('api/openapi.json matches the schemas (run `npm run openapi` after changing a route)', async () => {
    const generated = await generateOpenApi();
    expect(readFileSync(openapi_file, 'utf8'), 'api/openapi.json is out of date: run `npm run openapi`').toBe(
      generated,
    );
  });

  it('documents every route, bearer security on all but health and readiness, and the coded error body', async () => {
    const document = JSON.parse(await generateOpenApi());
    expect(Object.keys(document.paths).sort()).toEqual(
      [
        '/healthz',
        '/readyz',
        '/metrics',
        '/v1/balances',
        '/v1/accounts/{id}/transfers',
        '/v1/trades',
        '/v1/trades/{id}',
        '/v1/trades/{id}/explanation',
        '/v1/lots',
        '/v1/disposals',
        '/v1/adjustments',
        '/v1/events',
        '/v1/audit/verify',
      ].sort(),
    );
    expect(document.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
    expect(document.security).toEqual([{ bearer: [] }]);
    expect(document.paths['/healthz'].get.security).toEqual([]);
    expect(document.paths['/readyz'].get.security).toEqual([]);
    expect(document.paths['/v1/balances'].get.security).toBeUndefined();
    expect(document.components.schemas.Error.properties.error.properties.code.enum).toContain(
      'KEEL_ERR_API_VALIDATION',
    );
    expect(Object.keys(document.paths['/v1/trades/{id}/explanation'].get.responses['200'].content).sort()).toEqual([
      'application/json',
      'application/pdf',
      'text/plain',
    ]);
    expect(document.paths['/v1/events'].post.requestBody.content['application/json'].schema).toBeDefined();
  });
});
