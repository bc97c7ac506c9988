// Every error becomes the one error body with a code from the registry (api-errors.ts): the API's
// own errors as they are, schema validation with every issue and its path, Fastify's body parsing
// and URL errors by what went wrong, PostgreSQL out of reach as 503, and anything else as 500
// KEEL_ERR_API_INTERNAL, logged, with no internals in the response.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isPostgresUnavailable } from '../platform/postgres.js';
import { ApiError, errorBody, type ApiIssue } from './api-errors.js';
import { authenticate, type TokenVerifier } from './auth.js';

const validation_prefix: Record<string, string> = {
  querystring: 'query',
  params: 'params',
  body: 'body',
  headers: 'headers',
};

export function toApiError(error: FastifyError): ApiError {
  if (error instanceof ApiError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const prefix = validation_prefix[error.validationContext ?? ''] ?? error.validationContext ?? 'request';
    const issues: ApiIssue[] = error.validation.map((issue) => {
      const inner = issue.instancePath
        .split('/')
        .filter((part) => part !== '')
        .join('.');
      return { path: inner === '' ? prefix : `${prefix}.${inner}`, message: issue.message ?? 'invalid' };
    });
    return new ApiError(
      'validation',
      `the request is not valid: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
      { issues },
    );
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('body_too_large', 'the request body is larger than this route accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('unsupported_media_type', 'send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('body_invalid_json', 'the request body is not valid JSON');
    case 'FST_ERR_BAD_URL':
      return new ApiError('validation', 'the URL is not valid: a bad percent-encoding', {
        issues: [{ path: 'url', message: 'bad percent-encoding' }],
      });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ApiError('uri_too_long', 'a part of the URL is longer than any id this API serves', {
        issues: [{ path: 'params', message: 'too long' }],
      });
    default:
      break;
  }
  if (isPostgresUnavailable(error))
    return new ApiError('store_unavailable', 'the audit store (PostgreSQL) is not answering; retry later', {
      cause: error,
    });
  // Other client errors Fastify raises (a malformed header, say): their message is about the request.
  if (error.statusCode === 400)
    return new ApiError('validation', `the request is not valid: ${error.message}`, {
      issues: [{ path: 'request', message: error.message }],
    });
  if (error.statusCode === 413)
    return new ApiError('body_too_large', 'the request body is larger than this route accepts');
  if (error.statusCode === 415) return new ApiError('unsupported_media_type', 'send the body as application/json');
  // The documentation's static files refuse a path outside their folder (`/docs/static/../..`) with 403.
  if (error.statusCode === 403 || error.statusCode === 404) return new ApiError('not_found', 'no such document');
  if (error.statusCode !== undefined && error.statusCode > 400 && error.statusCode < 500) {
    return new ApiError('validation', `the request is not valid: ${error.message}`, {
      issues: [{ path: 'request', message: error.message }],
    });
  }
  return new ApiError('internal', 'internal error; the server log has the details', { cause: error });
}

export async function apiErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const api_error = toApiError(error);
  if (api_error.status >= 500) request.log.error({ err: error, code: api_error.code }, 'request failed');
  else request.log.info({ code: api_error.code, status: api_error.status }, api_error.message);
  await reply.code(api_error.status).type('application/json; charset=utf-8').send(errorBody(api_error));
}

/**
 * Fastify's router answers a malformed URL (bad percent-encoding, an over-long parameter) before any
 * hook runs. These errors come here instead (the `frameworkErrors` option), and are answered only to
 * an authenticated caller: a stranger gets 401, like on any other URL, and learns no route shapes.
 */
export function frameworkErrorHandler(verifier: TokenVerifier) {
  return async (error: FastifyError, request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    try {
      request.principal = authenticate(verifier, request, reply, null);
    } catch (refusal) {
      return apiErrorHandler(refusal as FastifyError, request, reply);
    }
    return apiErrorHandler(error, request, reply);
  };
}
