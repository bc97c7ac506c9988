// The API's one registry of coded errors (KEEL_ERR_API_*): every error response carries one of
// these codes with its HTTP status, in the same body shape, so clients act on the code.
import { z } from 'zod';
import { KeelError } from '../platform/errors.js';

export const api_errors = {
  validation: { code: 'KEEL_ERR_API_VALIDATION', status: 400 },
  cursor_invalid: { code: 'KEEL_ERR_API_CURSOR_INVALID', status: 400 },
  body_invalid_json: { code: 'KEEL_ERR_API_BODY_INVALID_JSON', status: 400 },
  unauthorized: { code: 'KEEL_ERR_API_UNAUTHORIZED', status: 401 },
  forbidden: { code: 'KEEL_ERR_API_FORBIDDEN', status: 403 },
  not_found: { code: 'KEEL_ERR_API_NOT_FOUND', status: 404 },
  not_acceptable: { code: 'KEEL_ERR_API_NOT_ACCEPTABLE', status: 406 },
  pdf_unavailable: { code: 'KEEL_ERR_API_PDF_UNAVAILABLE', status: 406 },
  body_too_large: { code: 'KEEL_ERR_API_BODY_TOO_LARGE', status: 413 },
  uri_too_long: { code: 'KEEL_ERR_API_URI_TOO_LONG', status: 414 },
  too_many_events: { code: 'KEEL_ERR_API_TOO_MANY_EVENTS', status: 413 },
  unsupported_media_type: { code: 'KEEL_ERR_API_UNSUPPORTED_MEDIA_TYPE', status: 415 },
  rate_limited: { code: 'KEEL_ERR_API_RATE_LIMITED', status: 429 },
  internal: { code: 'KEEL_ERR_API_INTERNAL', status: 500 },
  publish_failed: { code: 'KEEL_ERR_API_PUBLISH_FAILED', status: 503 },
  busy: { code: 'KEEL_ERR_API_BUSY', status: 503 },
  too_many_accounts: { code: 'KEEL_ERR_API_TOO_MANY_ACCOUNTS', status: 503 },
  not_ready: { code: 'KEEL_ERR_API_NOT_READY', status: 503 },
  store_unavailable: { code: 'KEEL_ERR_API_STORE_UNAVAILABLE', status: 503 },
} as const;

export type ApiErrorKind = keyof typeof api_errors;
export type ApiErrorCode = (typeof api_errors)[ApiErrorKind]['code'];
export type ApiIssue = { path: string; message: string };

/** An error meant for the client: a registry code, its status, a message, and the problems found. */
export class ApiError extends KeelError {
  readonly status: number;
  readonly issues: ApiIssue[] | undefined;

  constructor(kind: ApiErrorKind, message: string, options: { issues?: ApiIssue[]; cause?: unknown } = {}) {
    super(api_errors[kind].code, message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = 'ApiError';
    this.status = api_errors[kind].status;
    this.issues = options.issues;
  }
}

export const api_issue_schema = z.object({ path: z.string(), message: z.string() });

/** The body of every error response. */
export const error_body_schema = z
  .object({
    error: z.object({
      code: z.enum(Object.values(api_errors).map((error) => error.code) as [ApiErrorCode, ...ApiErrorCode[]]),
      message: z.string(),
      issues: z.array(api_issue_schema).optional(),
    }),
  })
  .meta({ id: 'Error' });

export type ErrorBody = z.infer<typeof error_body_schema>;

export function errorBody(error: ApiError): ErrorBody {
  return {
    error: {
      code: error.code as ApiErrorCode,
      message: error.message,
      ...(error.issues === undefined ? {} : { issues: error.issues }),
    },
  };
}

/** Documented error responses of a route: the statuses it can answer with, all in the one error shape. */
export function errorResponses(...statuses: number[]): Record<number, typeof error_body_schema> {
  return Object.fromEntries(statuses.map((status) => [status, error_body_schema]));
}
