// The head's role at the door: a head that is not the primary (a standby, or a primary that lost
// its quorum) answers every request with 503 NOT_PRIMARY and, when it knows it, the primary's
// address, so that the commands go there (cli/head-list.ts). The routes under STANDBY_OPEN (the
// HA controller's status and control, registered through AppDeps.haRoutes) are answered in any role.
import type { FastifyInstance } from 'fastify';
import { httpStatus } from '../../core/errors.js';

/** What a head is now: the primary, or not (with the primary's `http://HOST:PORT` when known). */
export type HeadRole = { primary: true } | { primary: false; primaryAt?: string };

/** Paths a head answers whatever its role: the HA controller's routes live here. */
export const STANDBY_OPEN = ['/v1/ha/'];

/** The body of a NOT_PRIMARY refusal. */
export function notPrimary(primaryAt: string | undefined) {
  return {
    statusCode: httpStatus('NOT_PRIMARY'),
    code: 'NOT_PRIMARY' as const,
    message: 'not primary',
    primary: primaryAt,
  };
}

/** Refuse every request but the open ones while `role()` says this head is not the primary. */
export function gateByRole(app: FastifyInstance, role: () => HeadRole): void {
  // onRequest: before the body is read and before any credential is checked (and used up)
  app.addHook('onRequest', async (req, reply) => {
    const now = role();
    if (now.primary || STANDBY_OPEN.some((p) => req.url.startsWith(p))) return;
    return reply.code(httpStatus('NOT_PRIMARY')).send(notPrimary(now.primaryAt));
  });
}
