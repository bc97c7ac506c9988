// The Kafka-backed publisher of POST /v1/events: validated events to the event topic, keyed by
// venue account (one account's events stay ordered in one partition), acknowledged by every
// in-sync replica before the API answers 202.
import type { Kafka, Producer } from 'kafkajs';
import { publishEvents } from '../engine/event-publisher.js';
import type { KeelEvent } from '../engine/event-schema.js';
import { producerOf } from '../platform/kafka.js';
import type { EventPublisher } from './api-context.js';

export class KafkaEventPublisher implements EventPublisher {
  private readonly producer: Producer;
  private connected: Promise<void> | null = null;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
  ) {
    this.producer = producerOf(kafka);
  }

  async publish(events: readonly KeelEvent[]): Promise<void> {
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = null;
      throw error;
    });
    await this.connected;
    await publishEvents(this.producer, this.topic, events);
  }

  async close(): Promise<void> {
    if (this.connected !== null) await this.producer.disconnect();
    this.connected = null;
  }
}
