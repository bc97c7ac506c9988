import { describe, expect, it } from 'vitest';
import { example_events } from '../test/support/example-events.js';
import { deadLetter } from './dead-letter.js';
import { decodeEvent, event_length_max } from './event-decode.js';

const deposit_text = JSON.stringify(example_events.deposit);

describe('event decoder', () => {
  it('decodes the same event from text and from its UTF-8 bytes', () => {
    const from_text = decodeEvent(deposit_text);
    expect(from_text).toMatchObject({ ok: true, event: { id: example_events.deposit.id } });
    expect(decodeEvent(Buffer.from(deposit_text))).toEqual(from_text);
    expect(
      decodeEvent(new TextEncoder().encode(JSON.stringify({ ...example_events.deposit, txid: 'ü→€' }))),
    ).toMatchObject({ ok: true, event: { txid: 'ü→€' } });
  });

  it('rejects bytes that are not UTF-8 with a code, never repairing them into U+FFFD', () => {
    const broken = Buffer.concat([
      Buffer.from(deposit_text.slice(0, -2)),
      Buffer.from([0xe2, 0x82]),
      Buffer.from('"}'),
    ]);
    expect(decodeEvent(broken)).toEqual({
      ok: false,
      id: undefined,
      code: 'KEEL_ERR_ENGINE_EVENT_MALFORMED',
      reason: 'message value is not UTF-8 text',
    });
    expect(decodeEvent(Buffer.from([0xff, 0xfe, 0x00, 0x01]))).toMatchObject({
      ok: false,
      code: 'KEEL_ERR_ENGINE_EVENT_MALFORMED',
    });
  });

  it('rejects nothing, malformed JSON, an overlong text and an invalid event, each with its code and the id when readable', () => {
    expect(decodeEvent(null)).toMatchObject({
      ok: false,
      code: 'KEEL_ERR_ENGINE_EVENT_MALFORMED',
      reason: 'empty message (no value)',
    });
    expect(decodeEvent('{"id": ')).toMatchObject({
      ok: false,
      code: 'KEEL_ERR_ENGINE_EVENT_MALFORMED',
      reason: expect.stringMatching(/^malformed JSON/),
    });
    expect(decodeEvent(' '.repeat(event_length_max + 1))).toMatchObject({
      ok: false,
      reason: expect.stringContaining(`more than ${event_length_max}`),
    });
    expect(decodeEvent(JSON.stringify({ ...example_events.deposit, amount: 'one' }))).toMatchObject({
      ok: false,
      id: example_events.deposit.id,
      code: 'KEEL_ERR_ENGINE_EVENT_INVALID',
      reason: expect.stringContaining('amount'),
    });
  });
});

describe('dead letter', () => {
  const failure = {
    kind: 'invalid' as const,
    code: 'KEEL_ERR_ENGINE_EVENT_MALFORMED',
    reason: 'message value is not UTF-8 text',
    event_id: undefined,
  };
  const source = { topic: 'keel.events', partition: 2, offset: '41' };
  const at = new Date('2024-03-01T12:00:00.000Z');

  it('keeps a UTF-8 value as text and any other value as base64, byte for byte', () => {
    expect(deadLetter(failure, source, Buffer.from(deposit_text), at)).toEqual({
      ...failure,
      event_id: null,
      source,
      payload: deposit_text,
      dead_lettered_at: '2024-03-01T12:00:00.000Z',
    });
    const bytes = Buffer.from([0x7b, 0xff, 0x7d]);
    expect(deadLetter(failure, source, bytes, at)).toMatchObject({
      payload: null,
      payload_base64: bytes.toString('base64'),
    });
    expect(deadLetter(failure, source, null, at)).not.toHaveProperty('payload_base64');
  });
});
