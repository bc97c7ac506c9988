// Where a connector's output goes: canonical events to the event topic, records that could not be
// normalised to the dead-letter topic in the engine's DeadLetter shape. `publish` resolves only
// once Kafka acknowledged everything (acks = all): the cursor is advanced after that, never before.
import type { Producer } from 'kafkajs';
import { deadLetterMessage, type DeadLetter } from '../engine/dead-letter.js';
import { publishEvents } from '../engine/event-publisher.js';
import type { KeelEvent } from '../engine/event-schema.js';
import { sendMessages } from '../platform/kafka.js';

export interface EventSink {
  publish(events: readonly KeelEvent[], dead_letters: readonly DeadLetter[]): Promise<void>;
}

export class KafkaEventSink implements EventSink {
  constructor(
    private readonly producer: Producer,
    private readonly events_topic: string,
    private readonly dlq_topic: string,
  ) {}

  async publish(events: readonly KeelEvent[], dead_letters: readonly DeadLetter[]): Promise<void> {
    await publishEvents(this.producer, this.events_topic, events);
    // Keyed by the connector stream the record came from (there is no Kafka message to take a key from).
    await sendMessages(
      this.producer,
      this.dlq_topic,
      dead_letters.map((letter) => deadLetterMessage(letter, letter.source.topic)),
    );
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
