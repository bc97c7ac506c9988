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
