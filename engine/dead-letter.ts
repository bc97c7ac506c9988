// Dead letters: what goes to the dead-letter topic for an input Keel could not take, in one wire
// format whoever writes it (the posting engine, a connector, the embedded pipeline's file): the
// reason and its code, where the input was read, and the input itself, as text when it is UTF-8
// and otherwise base64, so that nothing of a poison message is lost or altered.
import { utf8Text } from './event-decode.js';

/** Where a dead-lettered input was read: a Kafka position, or a connector's stream and request. */
export type DeadLetterSource = { topic: string; partition: number; offset: string };

export type DeadLetter = {
  reason: string;
  code: string;
  kind: 'invalid' | 'conflict' | 'rejected';
  event_id: string | null;
  source: DeadLetterSource;
  /** The original value: as text when it is UTF-8, otherwise base64 in `payload_base64`. */
  payload: string | null;
  payload_base64?: string;
  dead_lettered_at: string;
};

export type DeadLetterFailure = {
  kind: DeadLetter['kind'];
  code: string;
  reason: string;
  event_id: string | null | undefined;
};

/** Header naming the code of a dead letter, so a consumer of the topic can route without parsing. */
export const dead_letter_code_header = 'keel-dlq-code';

export function deadLetter(
  failure: DeadLetterFailure,
  source: DeadLetterSource,
  value: Uint8Array | string | null,
  dead_lettered_at: Date,
): DeadLetter {
  const text = value === null || typeof value === 'string' ? value : utf8Text(value);
  return {
    reason: failure.reason,
    code: failure.code,
    kind: failure.kind,
    event_id: failure.event_id ?? null,
    source,
    payload: text,
    ...(text === null && value !== null ? { payload_base64: Buffer.from(value as Uint8Array).toString('base64') } : {}),
    dead_lettered_at: dead_lettered_at.toISOString(),
  };
}

/** The Kafka message of a dead letter: its JSON, its code as a header, under the key given. */
export function deadLetterMessage(
  letter: DeadLetter,
  key: Buffer | string | null,
): { key: Buffer | string | null; value: string; headers: Record<string, string> } {
  return { key, value: JSON.stringify(letter), headers: { [dead_letter_code_header]: letter.code } };
}
