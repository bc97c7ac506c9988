// Every error Keel raises on purpose carries a stable code `KEEL_ERR_<AREA>_<WHAT>`, so that
// operators, the DLQ and HTTP clients can act on the code while people read the message.
// Each area keeps one registry of codes next to its code, `<area>/<area>-errors.ts` (e.g. `ledger/ledger-errors.ts`).

export class KeelError extends Error {
  readonly code: string;
  /** The input field the error is about, as a dotted path (`fees.0.amount`), when there is one. */
  readonly field: string | undefined;

  constructor(code: string, message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KeelError';
    this.code = code;
    this.field = options.field;
  }
}

export function isKeelError(error: unknown): error is KeelError {
  return error instanceof KeelError;
}

/** A message for people: the code first so it can be searched for, then what happened. */
export function describeError(error: unknown): string {
  if (isKeelError(error)) return `${error.code}: ${error.message}`;
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * A broken invariant: a bug in Keel, never bad input. Each area names it with its own code
 * (`KEEL_ERR_<AREA>_INVARIANT_BROKEN`); no step files it as a rejection or retries it as an outage,
 * so the process stops loudly with the code instead of dead-lettering or looping.
 */
export class InvariantError extends KeelError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'InvariantError';
  }
}

export function isInvariantBroken(error: unknown): error is InvariantError {
  return error instanceof InvariantError;
}

/** Asserts an invariant; `code` is the area's `…_INVARIANT_BROKEN` code. */
export function assertInvariant(condition: boolean, code: string, message: string): asserts condition {
  if (!condition) throw new InvariantError(code, message);
}
