import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonical_json_depth_max, canonicalJson } from './canonical-json.js';
import { platform_error_codes } from './platform-errors.js';

describe('canonical JSON', () => {
  it('orders keys at every depth and drops undefined, so equal content gives equal text', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: true, y: null }], c: 'x' }, u: undefined })).toBe(
      '{"a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1}',
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const shuffled = JSON.parse(
          JSON.stringify(value, (_key, item) =>
            item && typeof item === 'object' && !Array.isArray(item)
              ? Object.fromEntries(Object.entries(item).reverse())
              : item,
          ),
        );
        expect(canonicalJson(shuffled)).toBe(canonicalJson(value));
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('writes bigint as a decimal string and refuses values JSON cannot hold', () => {
    expect(canonicalJson({ amount: 2n ** 100n })).toBe('{"amount":"1267650600228229401496703205376"}');
    expect(() => canonicalJson({ price: Number.NaN })).toThrow(TypeError);
  });

  it('gives exactly the text of its definition (entries filtered, sorted by code unit, joined), so stored hashes stay valid', () => {
    // The definition, written plainly: the implementation is optimised and must never drift from it.
    const definition = (value: unknown): string => {
      if (typeof value === 'bigint') return JSON.stringify(value.toString());
      if (Array.isArray(value))
        return `[${value.map((item) => (item === undefined ? 'null' : definition(item))).join(',')}]`;
      if (value !== null && typeof value === 'object') {
        const entries = Object.entries(value).filter(([, item]) => item !== undefined);
        entries.sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0));
        return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${definition(item)}`).join(',')}}`;
      }
      return JSON.stringify(value);
    };
    const leaf = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.bigInt(),
      fc.constant(undefined),
    );
    const tree = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('node')),
        fc.dictionary(fc.string({ unit: 'binary' }), tie('node')),
      ),
    })).node;
    fc.assert(
      fc.property(tree, (value) => {
        if (value === undefined) return;
        expect(canonicalJson(value)).toBe(definition(value));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a value nested deeper than its bound with a coded error, not a stack overflow', () => {
    const nest = (levels: number): unknown => {
      let value: unknown = 'leaf';
      for (let level = 0; level < levels; level += 1) value = level % 2 === 0 ? [value] : { inner: value };
      return value;
    };
    expect(canonicalJson(nest(canonical_json_depth_max))).toContain('"leaf"');
    for (const levels of [canonical_json_depth_max + 1, 100_000]) {
      expect(() => canonicalJson(nest(levels))).toThrow(
        expect.objectContaining({ code: platform_error_codes.json_too_deep }),
      );
    }
  });
});
