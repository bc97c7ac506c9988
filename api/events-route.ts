// POST /v1/events: one canonical event or an array of them, each validated with the canonical
// schema (engine/event-schema.ts); every problem of every event is reported with its path
// (`[3].fees.0.amount`), and nothing is published unless all are valid. Valid events are published
// to the event topic as validated (defaults applied, as `keel publish` does) and answered 202:
// accepted for posting, which the engine does idempotently by event id.
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { event_schema, parseEvent, type KeelEvent } from '../engine/event-schema.js';
import { postingChain } from '../engine/posting-rules.js';
import type { AssetRegistry } from '../ledger/asset-registry.js';
import { isKeelError } from '../platform/errors.js';
import type { ApiContext } from './api-context.js';
import { ApiError, errorResponses, type ApiIssue } from './api-errors.js';

const issues_listed_max = 1_000;

/** The canonical event under a name of its own in the document, rather than spelt out twice. */
const documented_event = event_schema.meta({ id: 'Event' });

const accepted_schema = z
  .object({ accepted: z.number().int(), event_ids: z.array(z.string()) })
  .meta({ id: 'EventsAccepted' });

export const eventsRoute: FastifyPluginAsyncZod<ApiContext> = async (app, context) => {
  const events_max = context.limits.events_per_request_max;
  app.post(
    '/v1/events',
    {
      bodyLimit: context.limits.body_limit_bytes,
      config: {
        access: 'write',
        rateLimit: { max: context.limits.writes_per_minute, timeWindow: 60_000 },
      },
      // The body is validated in the handler, item by item, so that every problem of every event is
      // listed with its index; the schema below documents it.
      validatorCompiler: () => (data) => ({ value: data }),
      schema: {
        summary: 'Publish canonical events to keel.events',
        description: `One event or an array of at most ${events_max}; the body at most ${context.limits.body_limit_bytes} bytes; ${context.limits.writes_per_minute} requests per token per minute. Scope: write.`,
        tags: ['events'],
        body: z.union([documented_event, z.array(documented_event).min(1).max(events_max)]),
        response: { 202: accepted_schema, ...errorResponses(400, 401, 403, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const events = validateEvents(request.body, events_max, context.registry);
      try {
        await withinDeadline(context.publisher.publish(events), context.limits.publish_timeout_ms);
      } catch (error) {
        request.log.error({ error: (error as Error).message, events: events.length }, 'publishing events failed');
        throw new ApiError(
          'publish_failed',
          'the events could not be published; nothing is lost by sending them again (event ids are idempotency keys)',
          { cause: error },
        );
      }
      return reply.code(202).send({ accepted: events.length, event_ids: events.map((event) => event.id) });
    },
  );
};

/**
 * The promise's outcome, or a rejection once `timeout_ms` have passed: with Kafka away the client
 * retries for a long time, and a caller should hear 503 quickly rather than wait for it. The
 * publish goes on in the background; if it lands after all, sending the events again is harmless.
 */
async function withinDeadline(work: Promise<void>, timeout_ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no acknowledgement within ${timeout_ms} ms`)), timeout_ms);
  });
  work.catch(() => undefined); // a late failure after the deadline is already answered
  try {
    await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The events of a body, or an ApiError listing every problem with its path. Beyond the schema, each
 * event goes through the posting rules against the asset registry, as the engine will: an unknown
 * asset, an amount finer than its asset's scale or beyond u128 is refused here, not dead-lettered later.
 */
export function validateEvents(body: unknown, events_max: number, registry: AssetRegistry): KeelEvent[] {
  const items = Array.isArray(body) ? body : [body];
  if (Array.isArray(body) && body.length === 0)
    throw new ApiError('validation', 'no events: send one event or a non-empty array', {
      issues: [{ path: '(body)', message: 'at least one event' }],
    });
  if (items.length > events_max)
    throw new ApiError('too_many_events', `${items.length} events in one request, at most ${events_max}`);
  const events: KeelEvent[] = [];
  const issues: ApiIssue[] = [];
  let invalid = 0;
  items.forEach((item, index) => {
    const parsed = parseEvent(item);
    const issues_before = issues.length;
    if (parsed.ok) {
      events.push(parsed.event);
      const problem = postingProblem(parsed.event, registry);
      const prefix = Array.isArray(body) ? `[${index}]` : '';
      if (problem !== null)
        issues.push({
          path: [prefix, problem.field].filter((part) => part !== '').join('.') || '(event)',
          message: problem.message,
        });
    } else {
      for (const issue of parsed.issues) {
        const inner = issue.path === '(event)' ? '' : issue.path;
        issues.push({
          path: Array.isArray(body) ? `[${index}]${inner === '' ? '' : `.${inner}`}` : issue.path,
          message: issue.message,
        });
      }
    }
    if (issues.length > issues_before) invalid += 1;
  });
  if (issues.length > 0) {
    throw new ApiError('validation', `${invalid} of ${items.length} events invalid; nothing was published`, {
      issues: issues.slice(0, issues_listed_max),
    });
  }
  return events;
}

/** Why the engine could not post this valid event (a coded error naming its field), or null. A bug (any other error) is thrown. */
function postingProblem(event: KeelEvent, registry: AssetRegistry): { field: string; message: string } | null {
  try {
    postingChain(event, registry);
    return null;
  } catch (error) {
    if (!isKeelError(error)) throw error;
    return { field: error.field ?? '', message: `${error.code}: ${error.message}` };
  }
}
