// The engine area's coded errors: events that cannot be posted, posting outcomes, and broken invariants.
export const engine_error_codes = {
  event_malformed: 'KEEL_ERR_ENGINE_EVENT_MALFORMED',
  event_invalid: 'KEEL_ERR_ENGINE_EVENT_INVALID',
  cost_too_precise: 'KEEL_ERR_ENGINE_COST_TOO_PRECISE',
  event_conflict: 'KEEL_ERR_ENGINE_EVENT_CONFLICT',
  ledger_rejected: 'KEEL_ERR_ENGINE_LEDGER_REJECTED',
  /** A posting rule broke its own invariant (an unbalanced chain): a bug in Keel, the engine stops. */
  invariant_broken: 'KEEL_ERR_ENGINE_INVARIANT_BROKEN',
  /** The in-process event log (engine/in-process-log.ts) holds a fixed number of records. */
  log_full: 'KEEL_ERR_ENGINE_LOG_FULL',
} as const;

export type EngineErrorCode = (typeof engine_error_codes)[keyof typeof engine_error_codes];
