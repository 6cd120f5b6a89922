// The render farm routes (render-farm list, status, log, retry, unblock).
import type { FastifyInstance } from 'fastify';
import type { FarmOps } from '../farm/farm-commands.js';
import { farmRetryBody, farmUnblockBody } from './farm-schemas.js';
import { answer } from './replies.js';

export function farmRoutes(app: FastifyInstance, farms: FarmOps): void {
  app.get('/v1/farms', (req) => ({ farms: farms.list(req.requester) }));
  app.get<{ Params: { id: string } }>('/v1/farms/:id', (req, reply) =>
    answer(reply, farms.status(req.params.id, req.requester)),
  );
  app.get<{ Params: { id: string }; Querystring: { frame?: string; attempt?: string } }>(
    '/v1/farms/:id/log',
    (req, reply) => {
      const frame = Number(req.query.frame);
      const attempt = req.query.attempt === undefined ? undefined : Number(req.query.attempt);
      if (!Number.isInteger(frame) || (attempt !== undefined && !(Number.isInteger(attempt) && attempt > 0)))
        return reply
          .code(400)
          .send({ statusCode: 400, code: 'BAD_REQUEST', message: 'frame and attempt are whole numbers' });
      return answer(reply, farms.log(req.params.id, frame, attempt, req.requester));
    },
  );
  app.post<{ Params: { id: string }; Body: { frames?: number[]; failed?: boolean } }>(
    '/v1/farms/:id/retry',
    { schema: { body: farmRetryBody } },
    (req, reply) =>
      answer(reply, farms.retry(req.params.id, req.body.frames, req.body.failed === true, req.requester)),
  );
  app.post<{ Params: { id: string }; Body: { node?: string } }>(
    '/v1/farms/:id/unblock',
    { schema: { body: farmUnblockBody } },
    (req, reply) => answer(reply, farms.unblock(req.params.id, req.body.node, req.requester)),
  );
}
