// Replaying a recorded session for a test: the events without their raw payloads (asserted field
// by field), the dead letters, the reports, and the recorded responses that were never asked for
// (there must be none: the replay is strict both ways).
import { join } from 'node:path';
import type { KeelEvent } from '../../engine/event-schema.js';
import { MemoryCursorStore, type CursorStore } from '../../connectors/cursor-store.js';
import { MemoryEventSink } from '../../connectors/event-sink.js';
import { loadSession } from '../../connectors/replay.js';
import { replaySession } from '../../connectors/replay-runner.js';

export const sessions_directory = join(import.meta.dirname, '..', 'data', 'exchanges', 'sessions');

export async function replay(name: string, options: { cursors?: CursorStore; sink?: MemoryEventSink } = {}) {
  const sink = options.sink ?? new MemoryEventSink();
  const session = loadSession(join(sessions_directory, `${name}.session.json`));
  const result = await replaySession(session, sink, { cursors: options.cursors ?? new MemoryCursorStore() });
  return {
    events: sink.events.map(withoutRaw),
    raw_events: sink.events,
    dead_letters: sink.dead_letters,
    reports: result.reports,
    requests: result.replay.requests,
    unused: result.replay.unused(),
  };
}

export function withoutRaw(event: KeelEvent): Omit<KeelEvent, 'raw'> {
  const { raw: _raw, ...rest } = event;
  return rest;
}
