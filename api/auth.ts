// Bearer tokens with scopes. A presented token is compared with every configured token in
// constant time (both sides hashed to 32 bytes first, so neither the content nor the length of a
// configured token leaks through timing), and all of them are compared, without stopping at the
// first match. Tokens are never logged: a request carries only the token's configured name.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiScope, ApiToken } from '../platform/config.js';
import { ApiError } from './api-errors.js';

export type Principal = { name: string; scopes: ReadonlySet<ApiScope> };

/** Which scope a route needs; `public` routes (health and readiness) need no token. */
export type RouteAccess = ApiScope | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

type StoredToken = { name: string; digest: Buffer; scopes: ReadonlySet<ApiScope> };

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** True when the two texts are equal, in time that does not depend on where they differ or on their lengths. */
export function constantTimeEqual(left: string, right: string): boolean {
  return timingSafeEqual(digest(left), digest(right));
}

export class TokenVerifier {
  private readonly tokens: StoredToken[];

  constructor(tokens: readonly ApiToken[]) {
    this.tokens = tokens.map((token) => ({
      name: token.name,
      digest: digest(token.token),
      scopes: new Set(token.scopes),
    }));
  }

  /** The principal a presented token belongs to, or null. Every configured token is compared. */
  verify(presented: string): Principal | null {
    const presented_digest = digest(presented);
    let found: StoredToken | null = null;
    for (const token of this.tokens) {
      if (timingSafeEqual(presented_digest, token.digest) && found === null) found = token;
    }
    return found === null ? null : { name: found.name, scopes: found.scopes };
  }
}

const bearer_pattern = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i;

/**
 * The principal of a request that may use a route needing `access` (null: any scope will do): 401
 * (ApiError) without a valid token, 403 without the scope. Sets the challenge header on `reply`.
 */
export function authenticate(
  verifier: TokenVerifier,
  request: FastifyRequest,
  reply: FastifyReply,
  access: ApiScope | null,
): Principal {
  const header = request.headers.authorization;
  const match = header === undefined ? null : bearer_pattern.exec(header);
  const principal = match === null ? null : verifier.verify(match[1]!);
  if (principal === null) {
    reply.header('www-authenticate', 'Bearer realm="keel"');
    throw new ApiError(
      'unauthorized',
      header === undefined
        ? 'a bearer token is required (Authorization: Bearer <token>)'
        : 'the bearer token is not valid',
    );
  }
  if (access !== null && !principal.scopes.has(access)) {
    reply.header('www-authenticate', `Bearer realm="keel", error="insufficient_scope", scope="${access}"`);
    throw new ApiError('forbidden', `this token lacks the '${access}' scope`);
  }
  return principal;
}

/**
 * The onRequest hook: every route needs a valid bearer token unless it is `public`, and the scope
 * it names (default `read`). 401 without a valid token, 403 without the scope. Unknown URLs need a
 * token too, so that they reveal nothing to strangers.
 */
export function authenticationHook(verifier: TokenVerifier) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    request.principal = null;
    const access: RouteAccess = request.routeOptions.config.access ?? 'read';
    if (access === 'public') return;
    request.principal = authenticate(verifier, request, reply, access);
  };
}
