// Where a connector's output goes: canonical events to the event topic, records that could not be
// normalised to the dead-letter topic in the engine's DeadLetter shape. `publish` resolves only
// once Kafka acknowledged everything (acks = all): the cursor is advanced after that, never before.
import type { Producer } from 'kafkajs';
import type { KeelEvent } from '../engine/event-schema.js';
import type { DeadLetter } from '../engine/posting-engine.js';
import { eventMessageKey } from '../platform/kafka.js';

export interface EventSink {
  publish(events: readonly KeelEvent[], dead_letters: readonly DeadLetter[]): Promise<void>;
}

/** Messages per send, as `keel publish` does: bounded memory and retry cost. */
const messages_per_send = 1_000;

export class KafkaEventSink implements EventSink {
  constructor(
    private readonly producer: Producer,
    private readonly events_topic: string,
    private readonly dlq_topic: string,
  ) {}

  async publish(events: readonly KeelEvent[], dead_letters: readonly DeadLetter[]): Promise<void> {
    for (let start = 0; start < events.length; start += messages_per_send) {
      const messages = events.slice(start, start + messages_per_send).map((event) => ({ key: eventMessageKey(event.venue, event.account), value: JSON.stringify(event) }));
      await this.producer.send({ topic: this.events_topic, acks: -1, messages });
    }
    for (let start = 0; start < dead_letters.length; start += messages_per_send) {
      const messages = dead_letters.slice(start, start + messages_per_send).map((letter) => ({ key: letter.source.topic, value: JSON.stringify(letter), headers: { 'keel-dlq-code': letter.code } }));
      await this.producer.send({ topic: this.dlq_topic, acks: -1, messages });
    }
  }
}

/** For tests: keeps what was published, in order. */
export class MemoryEventSink implements EventSink {
  readonly events: KeelEvent[] = [];
  readonly dead_letters: DeadLetter[] = [];

  async publish(events: readonly KeelEvent[], dead_letters: readonly DeadLetter[]): Promise<void> {
    this.events.push(...events);
    this.dead_letters.push(...dead_letters);
  }
}
