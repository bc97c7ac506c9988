// Publishing a file of events to the event topic (`keel publish`). Each line is validated first:
// a bad line is reported with its number and not published, so the log only ever receives events
// that passed the same schema the engine applies. Messages are keyed by venue account, so one
// account's events keep their order in one partition. Every publisher of events (this command,
// the API, connectors) builds its messages with `eventMessage` and sends them with `publishEvents`.
import type { Message, Producer } from 'kafkajs';
import { eventMessageKey, messages_per_send, sendMessages } from '../platform/kafka.js';
import { readEventFile } from './event-file.js';
import type { KeelEvent } from './event-schema.js';
import { rejections_listed_max } from './rejections.js';

export type PublishReport = {
  events: { read: number; published: number; rejected: number };
  rejections: { line: number; id: string | null; reason: string }[];
};
export type PublishProgress = { lines: number; published: number; elapsed_ms: number };

export async function publishEventFile(
  file_path: string,
  producer: Producer,
  topic: string,
  options: { on_progress?: (progress: PublishProgress) => void; progress_interval_ms?: number } = {},
): Promise<PublishReport> {
  const report: PublishReport = { events: { read: 0, published: 0, rejected: 0 }, rejections: [] };
  const started_ms = Date.now();
  let reported_ms = started_ms;
  let pending: KeelEvent[] = [];
  const send = async () => {
    if (pending.length === 0) return;
    await publishEvents(producer, topic, pending);
    report.events.published += pending.length;
    pending = [];
    const now_ms = Date.now();
    if (options.on_progress && now_ms - reported_ms >= (options.progress_interval_ms ?? 2_000)) {
      reported_ms = now_ms;
      options.on_progress({
        lines: report.events.read,
        published: report.events.published,
        elapsed_ms: now_ms - started_ms,
      });
    }
  };
  for await (const line of readEventFile(file_path)) {
    report.events.read += 1;
    if (!line.ok) {
      report.events.rejected += 1;
      if (report.rejections.length < rejections_listed_max)
        report.rejections.push({ line: line.line, id: line.id ?? null, reason: line.reason });
      continue;
    }
    pending.push(line.event);
    if (pending.length >= messages_per_send) await send();
  }
  await send();
  return report;
}

/** An event's message: keyed by venue account, the event as validated (defaults applied), so the engine decodes what was checked. */
export function eventMessage(event: KeelEvent): Message {
  return { key: eventMessageKey(event.venue, event.account), value: JSON.stringify(event) };
}

/** Publishes events in order, acknowledged by every in-sync replica before this resolves. */
export async function publishEvents(producer: Producer, topic: string, events: readonly KeelEvent[]): Promise<void> {
  await sendMessages(producer, topic, events.map(eventMessage));
}
