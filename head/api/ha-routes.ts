// The HA controller's routes (head/ha/ha-controller.ts), answered by a primary whatever its
// quorum: `GET /v1/ha/status` for anyone, `POST /v1/ha/switchover` for managers.
import type { FastifyInstance } from 'fastify';
import { httpStatus } from '../../core/errors.js';
import { requireRole } from '../../core/policy/permissions.js';
import type { HaApi } from '../ha/ha-hooks.js';
import { refusal } from './replies.js';

export function haRoutes(ha: HaApi) {
  return (app: FastifyInstance): void => {
    app.get('/v1/ha/status', async () => ha.status());
    app.post('/v1/ha/switchover', async (req, reply) => {
      const allowed = requireRole(req.requester, 'manager');
      if (!allowed.ok) return reply.code(httpStatus(allowed.error.code)).send(refusal(allowed.error));
      const r = await ha.switchover();
      if (!r.ok) return reply.code(409).send(refusal({ code: 'BAD_STATE', message: r.message }));
      return reply.code(202).send({ to: r.primary });
    });
  };
}

/** Answers to requests that may have changed something leave once `durable()` resolves (the
 * standby has the change, head/ha/ha-hooks.ts). A head that stops being primary meanwhile does
 * not answer at all: the connection closes, and the command retries on the other head (with its
 * request id, so that a submission is not made twice). */
export function holdAnswersUntilDurable(app: FastifyInstance, durable: () => Promise<void>): void {
  app.addHook('onSend', async (req, _reply, payload) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.url.startsWith('/v1/ha/')) return payload;
    try {
      await durable();
    } catch {
      req.raw.socket.destroy();
    }
    return payload;
  });
}
