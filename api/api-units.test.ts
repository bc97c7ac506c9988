// The API's pure parts: the constant-time comparison and token verification, content negotiation,
// cursors, event-batch validation paths, and the mapping of errors to the coded registry.
import { describe, expect, it } from 'vitest';
import { AssetRegistry } from '../ledger/asset-registry.js';
import { example_events } from '../test/support/example-events.js';
import { ApiError, api_errors } from './api-errors.js';
import { constantTimeEqual, TokenVerifier } from './auth.js';
import { negotiate } from './content-negotiation.js';
import { toApiError } from './error-handler.js';
import { validateEvents } from './events-route.js';
import { decodeCursor, encodeCursor, pageOf } from './pagination.js';
import { z } from 'zod';
import type { FastifyError } from 'fastify';

describe('constant-time token comparison', () => {
  it('is true only for equal texts, whatever their lengths', () => {
    expect(constantTimeEqual('s3cret-token-0123456789', 's3cret-token-0123456789')).toBe(true);
    expect(constantTimeEqual('s3cret-token-0123456789', 's3cret-token-0123456788')).toBe(false);
    expect(constantTimeEqual('s3cret-token-0123456789', 's3cret')).toBe(false);
    expect(constantTimeEqual('', 'x')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
    // Unicode is compared as its UTF-8 bytes.
    expect(constantTimeEqual('tökén-ünïcode-1234', 'tökén-ünïcode-1234')).toBe(true);
  });

  it('takes about as long for a near miss as for a far miss (digests of equal length are compared)', () => {
    const secret = 'a'.repeat(4096);
    const time = (candidate: string) => {
      const started = process.hrtime.bigint();
      for (let index = 0; index < 2_000; index += 1) constantTimeEqual(secret, candidate);
      return Number(process.hrtime.bigint() - started);
    };
    time('warm-up');
    const near = time(`${'a'.repeat(4095)}b`);
    const far = time(`b${'a'.repeat(4095)}`);
    // Hashing dominates and is the same for both; an early-exit compare would differ by orders of magnitude.
    expect(Math.max(near, far) / Math.min(near, far)).toBeLessThan(3);
  });

  it('finds the principal of a token among several, and nobody for an unknown one', () => {
    const verifier = new TokenVerifier([
      { name: 'reader', token: 'reader-token-0123456789', scopes: ['read'] },
      { name: 'ops', token: 'ops-token-01234567890123', scopes: ['metrics', 'read'] },
    ]);
    expect(verifier.verify('ops-token-01234567890123')).toEqual({ name: 'ops', scopes: new Set(['metrics', 'read']) });
    expect(verifier.verify('reader-token-0123456789')?.name).toBe('reader');
    expect(verifier.verify('reader-token-012345678')).toBeNull();
    expect(verifier.verify('')).toBeNull();
    expect(new TokenVerifier([]).verify('anything-at-all-here')).toBeNull();
  });
});

describe('content negotiation', () => {
  const offered = ['application/json', 'text/plain', 'application/pdf'] as const;
  it.each([
    [undefined, 'application/json'],
    ['', 'application/json'],
    ['*/*', 'application/json'],
    ['text/plain', 'text/plain'],
    ['application/pdf', 'application/pdf'],
    ['text/*', 'text/plain'],
    ['text/plain;q=0.5, application/pdf', 'application/pdf'],
    ['application/pdf;q=0.1, text/plain;q=0.9, */*;q=0.01', 'text/plain'],
    ['text/html, */*;q=0.1', 'application/json'],
    ['TEXT/PLAIN', 'text/plain'],
    ['text/html', null],
    ['application/json;q=0, */*', 'text/plain'],
  ])('Accept %s → %s', (accept, expected) => {
    expect(negotiate(accept, offered)).toBe(expected);
  });
});

describe('cursors', () => {
  it('round-trip the key of the last row, and a page knows when more follow', () => {
    const page = pageOf(
      [
        { t: 'a', id: '1' },
        { t: 'b', id: '2' },
        { t: 'c', id: '3' },
      ],
      2,
      (row) => [row.t, row.id],
    );
    expect(page.items).toHaveLength(2);
    expect(decodeCursor(page.next_cursor!, z.tuple([z.string(), z.string()]))).toEqual(['b', '2']);
    expect(pageOf([{ t: 'a', id: '1' }], 2, (row) => [row.t, row.id]).next_cursor).toBeNull();
    expect(decodeCursor(undefined, z.tuple([z.string()]))).toBeUndefined();
  });

  it('refuse what no list returned, as the client error KEEL_ERR_API_CURSOR_INVALID', () => {
    for (const cursor of [
      'not base64 json!',
      encodeCursor(['only-one']),
      Buffer.from('{"a":1}').toString('base64url'),
    ]) {
      expect(() => decodeCursor(cursor, z.tuple([z.string(), z.string()]))).toThrow(
        expect.objectContaining({ code: 'KEEL_ERR_API_CURSOR_INVALID', status: 400 }),
      );
    }
  });
});

describe('event batch validation', () => {
  const valid = example_events.trade;
  const registry = new AssetRegistry();

  it('accepts one event or an array, defaults applied', () => {
    const { fees, ...without_fees } = example_events.trade;
    expect(fees).toHaveLength(1);
    expect(validateEvents(without_fees, 1000, registry)).toEqual([expect.objectContaining({ id: valid.id, fees: [] })]);
    expect(validateEvents([valid, example_events.deposit], 1000, registry).map((event) => event.id)).toEqual([
      valid.id,
      example_events.deposit.id,
    ]);
  });

  it('lists every problem of every event with its index and path', () => {
    const bad_fee = { ...valid, fees: [{ asset: 'BNB', amount: 'ten' }] };
    const bad_two = { ...example_events.deposit, amount: '-1', time: 'yesterday' };
    let error: ApiError | undefined;
    try {
      validateEvents([valid, valid, valid, bad_fee, bad_two, 'not an event'], 1000, registry);
    } catch (caught) {
      error = caught as ApiError;
    }
    expect(error?.code).toBe('KEEL_ERR_API_VALIDATION');
    expect(error?.message).toContain('3 of 6 events invalid');
    const paths = error!.issues!.map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['[3].fees.0.amount', '[4].amount', '[4].time', '[5]']));
  });

  it('refuses what the engine could not post: amounts finer than the scale or beyond u128, unknown assets', () => {
    const too_fine = {
      ...example_events.deposit,
      id: 'd-fine',
      asset: 'BNB',
      amount: '0.000000001',
      fee: undefined,
      cost_basis: undefined,
    };
    const too_big = { ...example_events.withdrawal, id: 'w-big', amount: '1'.padEnd(40, '0') };
    const unknown = { ...valid, fees: [{ asset: 'NOPE', amount: '1' }] };
    let error: ApiError | undefined;
    try {
      validateEvents([example_events.deposit, too_fine, too_big, unknown], 1000, registry);
    } catch (caught) {
      error = caught as ApiError;
    }
    expect(error?.message).toContain('3 of 4 events invalid');
    expect(error?.issues).toEqual([
      { path: '[1].amount', message: expect.stringMatching(/^KEEL_ERR_LEDGER_\w+: amount: .*scale/) },
      { path: '[2].amount', message: expect.stringMatching(/^KEEL_ERR_LEDGER_AMOUNT_OUT_OF_RANGE: amount: .*u128/) },
      { path: '[3].fees.0.asset', message: expect.stringContaining("unknown asset 'NOPE'") },
    ]);
  });

  it('uses plain paths for a single event', () => {
    expect(() => validateEvents({ ...valid, quantity: 'x' }, 1000, registry)).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: 'quantity' })] }),
    );
  });

  it('refuses an empty array and a batch over the limit', () => {
    expect(() => validateEvents([], 1000, registry)).toThrow(
      expect.objectContaining({ code: 'KEEL_ERR_API_VALIDATION' }),
    );
    expect(() => validateEvents([valid, valid, valid], 2, registry)).toThrow(
      expect.objectContaining({ code: 'KEEL_ERR_API_TOO_MANY_EVENTS', status: 413 }),
    );
  });
});

describe('error registry', () => {
  it('has unique KEEL_ERR_API_ codes', () => {
    const codes = Object.values(api_errors).map((error) => error.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of codes) expect(code).toMatch(/^KEEL_ERR_API_[A-Z_]+$/);
  });

  it('maps Fastify body errors and unknown errors to coded ones, never leaking internals', () => {
    const fastify_error = (code: string, statusCode: number) =>
      Object.assign(new Error('x'), { code, statusCode }) as FastifyError;
    expect(toApiError(fastify_error('FST_ERR_CTP_BODY_TOO_LARGE', 413)).code).toBe('KEEL_ERR_API_BODY_TOO_LARGE');
    expect(toApiError(fastify_error('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415)).code).toBe(
      'KEEL_ERR_API_UNSUPPORTED_MEDIA_TYPE',
    );
    expect(toApiError(fastify_error('FST_ERR_CTP_EMPTY_JSON_BODY', 400)).code).toBe('KEEL_ERR_API_BODY_INVALID_JSON');
    const internal = toApiError(new Error('password=hunter2 at db') as FastifyError);
    expect(internal.code).toBe('KEEL_ERR_API_INTERNAL');
    expect(internal.message).not.toContain('hunter2');
  });
});
