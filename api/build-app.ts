// The composition root of the HTTP API: builds the Fastify app from its dependencies without
// listening (cli/api-command.ts listens; tests use app.inject()). Order matters here: hooks, the
// error handler and the plugins that watch routes being added (OpenAPI, rate limits) come before
// the routes.
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyRequest } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { redactQuery } from '../platform/logger.js';
import { AccountCatalogue } from './account-catalogue.js';
import { api_limit_defaults, type ApiContext, type ApiDeps } from './api-context.js';
import { ApiError, errorBody, errorResponses } from './api-errors.js';
import { adjustmentsRoute } from './adjustments-route.js';
import { auditRoute } from './audit-route.js';
import { authenticationHook, TokenVerifier } from './auth.js';
import { balancesRoute } from './balances-route.js';
import { disposalsRoute } from './disposals-route.js';
import { apiErrorHandler, frameworkErrorHandler } from './error-handler.js';
import { eventsRoute } from './events-route.js';
import { explanationRoute } from './explanation-route.js';
import { healthRoutes } from './health-routes.js';
import { createHttpMetrics, httpMetricsHook } from './http-metrics.js';
import { lotsRoute } from './lots-route.js';
import { metricsRoute } from './metrics-route.js';
import { requestTextIssues } from './query-fields.js';
import { default_trade_pdf_renderer } from './trade-pdf.js';
import { tradesRoute } from './trades-route.js';
import { transfersRoute } from './transfers-route.js';

export const api_version = '1.0.0';
/** How long a client may take to send a whole request (a slow sender holds a socket, not the handler). */
const request_timeout_ms = 30_000;

export type ApiApp = Awaited<ReturnType<typeof buildApp>>;

export async function buildApp(deps: ApiDeps) {
  const limits = { ...api_limit_defaults, ...deps.limits };
  const context: ApiContext = {
    ...deps,
    limits,
    render_trade_pdf: deps.render_trade_pdf === undefined ? default_trade_pdf_renderer : deps.render_trade_pdf,
    catalogue: new AccountCatalogue(deps.pool, deps.registry, deps.catalogue_options),
  };
  const verifier = new TokenVerifier(deps.tokens);
  const app = Fastify({
    // Requests are logged without their query string: a client may put a token there.
    loggerInstance: deps.logger.child({}, { serializers: { req: requestForLog } }),
    frameworkErrors: frameworkErrorHandler(verifier),
    bodyLimit: limits.body_limit_bytes,
    requestTimeout: request_timeout_ms,
    // Trade ids can be long (venue:account:order:id); 100 characters, Fastify's default, is too few.
    routerOptions: { maxParamLength: 1_000 },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // JSON only: a text/plain body is refused (415) rather than read as a string.
  app.removeContentTypeParser('text/plain');

  app.decorateRequest('principal', null);
  app.addHook('onRequest', authenticationHook(verifier));
  app.addHook('preValidation', async (request) => {
    const issues = requestTextIssues(request.params, request.query);
    if (issues.length > 0)
      throw new ApiError(
        'validation',
        `the request is not valid: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
        { issues },
      );
  });
  app.addHook('onResponse', httpMetricsHook(createHttpMetrics(deps.metrics)));
  app.setErrorHandler(apiErrorHandler);
  app.setNotFoundHandler(async (request, reply) => {
    await reply
      .code(404)
      .send(errorBody(new ApiError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`)));
  });

  // Reads are rate-limited too (per token and route), so one runaway client cannot starve the ledger
  // and the audit store for everyone; routes with their own limit (writes) keep it. Added before
  // the OpenAPI and rate-limit plugins, which read the route options this sets.
  app.addHook('onRoute', (route) => {
    if (
      (route.config?.access ?? 'read') === 'public' ||
      route.config?.rateLimit !== undefined ||
      route.url.startsWith('/docs')
    )
      return;
    route.config = { ...route.config, rateLimit: { max: limits.reads_per_minute, timeWindow: 60_000 } };
    if (route.schema?.response !== undefined)
      route.schema.response = { ...(route.schema.response as object), ...errorResponses(429) };
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Keel API',
        version: api_version,
        description:
          'Balances of record from the ledger, trade records, explanations, tax lots and disposals from the audit store, and event intake. ' +
          'Every route except /healthz and /readyz needs `Authorization: Bearer <token>`; tokens carry scopes: read, write, metrics. ' +
          'Errors are `{"error": {"code": "KEEL_ERR_API_…", "message": "…", "issues": [{"path", "message"}]}}`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      tags: [
        { name: 'ledger', description: 'balances of record and transfers (TigerBeetle)' },
        { name: 'audit', description: 'trade records, explanations, lots, disposals, the audit chain (PostgreSQL)' },
        { name: 'events', description: 'event intake (Kafka keel.events)' },
        { name: 'operations', description: 'health, readiness, metrics' },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });
  await app.register(fastifyRateLimit, {
    global: false,
    // Per token: one client cannot use up another's allowance. Runs after authentication.
    keyGenerator: (request) => request.principal?.name ?? request.ip,
    errorResponseBuilder: (request, context) =>
      new ApiError(
        'rate_limited',
        `at most ${context.max} ${request.method === 'GET' ? 'read' : 'write'} requests per minute on this route; retry in ${Math.ceil(context.ttl / 1000)} s`,
      ),
  });

  for (const route of [
    healthRoutes,
    metricsRoute,
    balancesRoute,
    transfersRoute,
    tradesRoute,
    explanationRoute,
    lotsRoute,
    disposalsRoute,
    adjustmentsRoute,
    eventsRoute,
    auditRoute,
  ]) {
    await app.register(route, context);
  }
  return app;
}

/** Characters of a URL a log line keeps: enough for any route and id this API serves. */
const logged_url_length_max = 1_024;

/** What a request log line says about the request: never its query string, nor any header. */
function requestForLog(request: FastifyRequest) {
  const url = redactQuery(request.url);
  return {
    method: request.method,
    url: url.length > logged_url_length_max ? `${url.slice(0, logged_url_length_max)}…` : url,
    remote_address: request.ip,
  };
}
