// Canonical JSON: object keys in code-unit order at every depth, no whitespace, bigint as a decimal
// string. Two values that mean the same give the same text, so its hash identifies content
// (event fingerprints, ledger content keys, trade record hashes, the audit log's hash chain). The
// text must never change for a given value: stored hashes depend on it.
//
// Written as one string-building pass (no entry arrays, no per-level joins): a seal canonicalises
// every trade record and every event's content, and this function was a third of its time.
import { KeelError } from './errors.js';
import { platform_error_codes } from './platform-errors.js';

/**
 * Deepest nesting written. Events are held to 64 levels at validation and the records that wrap them
 * add a few; the bound turns a runaway value into a coded error instead of a stack overflow.
 */
export const canonical_json_depth_max = 256;

export function canonicalJson(value: unknown): string {
  return canonicalText(value, 1);
}

function canonicalText(value: unknown, depth: number): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonical JSON has no form for ${value}`);
    return JSON.stringify(value);
  }
  if (typeof value === 'bigint') return `"${value.toString()}"`;
  if (typeof value === 'object' && depth > canonical_json_depth_max) {
    throw new KeelError(
      platform_error_codes.json_too_deep,
      `canonical JSON: a value nested deeper than ${canonical_json_depth_max} levels`,
    );
  }
  if (Array.isArray(value)) {
    let text = '[';
    for (let index = 0; index < value.length; index += 1) {
      if (index > 0) text += ',';
      const item: unknown = value[index];
      text += item === undefined ? 'null' : canonicalText(item, depth + 1);
    }
    return `${text}]`;
  }
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    // The default sort compares UTF-16 code units, the order canonical JSON defines.
    const keys = Object.keys(record).sort();
    let text = '{';
    let first = true;
    for (const key of keys) {
      const item = record[key];
      if (item === undefined) continue;
      text += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalText(item, depth + 1)}`;
      first = false;
    }
    return `${text}}`;
  }
  throw new TypeError(`canonical JSON has no form for a ${typeof value}`);
}
