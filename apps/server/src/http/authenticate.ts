import type { FastifyRequest } from 'fastify';
import { secretTokenSchema } from '@amtsbote/protocol';
import { AppError } from '../errors.js';
import type { IdentityContext } from '../identity/identity-context.js';
import { authenticate, type Principal } from '../identity/sessions.js';

const BEARER = /^Bearer ([^\s]+)$/;

function bearerToken(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const match = header === undefined ? null : BEARER.exec(header);
  const parsed = secretTokenSchema.safeParse(match?.[1]);
  if (!parsed.success) throw new AppError(401, 'unauthenticated', 'a valid session is required');
  return parsed.data;
}

/** The caller's principal, from the Authorization header; 401 when there is none. */
export async function requirePrincipal(
  ctx: IdentityContext,
  request: FastifyRequest,
): Promise<Principal> {
  return authenticate(ctx, bearerToken(request));
}

/** As requirePrincipal, and the caller must be an administrator of their organization. */
export async function requireAdmin(
  ctx: IdentityContext,
  request: FastifyRequest,
): Promise<Principal> {
  const principal = await requirePrincipal(ctx, request);
  if (principal.role !== 'admin') throw new AppError(403, 'forbidden', 'administrators only');
  return principal;
}

export function clientAddress(request: FastifyRequest): string {
  return request.ip;
}
