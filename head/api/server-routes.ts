// The server routes: the server and its queues (qstat -B/-Q), recurring templates (qstat --cron),
// and queue and server administration (qmgr, `drover queue`).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { httpStatus, type Result } from '../../core/errors.js';
import type { ServerChanges } from '../../core/policy/server-settings.js';
import type { QueueChanges } from '../../core/record-types.js';
import type { Operations } from '../jobs/operations.js';
import { queueBody, queueNameBody, serverBody } from './admin-schemas.js';
import { refusal } from './replies.js';

/** The server with its queues (and its Torque mode, for qsub -t), and the recurring templates. */
export function serverRoutes(app: FastifyInstance, ops: Operations): void {
  app.get('/v1/server', () => ({
    server: ops.admin.serverRecord(),
    queues: ops.admin.queueRecords(),
    ...ops.queries.compat(),
  }));

  app.get('/v1/crons', (req) => ({
    server: ops.admin.serverRecord(),
    crons: ops.submissions.crons(req.requester),
  }));
}

/** Queue administration: create, change, delete, and the default queue; the server's settings. */
export function queueRoutes(app: FastifyInstance, ops: Operations): void {
  const answer = (r: Result<void>, reply: FastifyReply) =>
    r.ok ? { queues: ops.admin.queueRecords() } : reply.code(httpStatus(r.error.code)).send(refusal(r.error));
  app.post<{ Body: { name: string; changes: QueueChanges } }>(
    '/v1/queues',
    { schema: { body: queueBody } },
    (req, reply) => answer(ops.admin.createQueue(req.body.name, req.body.changes, req.requester), reply),
  );
  app.post<{ Body: { name: string; changes: QueueChanges } }>(
    '/v1/queues/set',
    { schema: { body: queueBody } },
    (req, reply) => answer(ops.admin.changeQueue(req.body.name, req.body.changes, req.requester), reply),
  );
  app.post<{ Body: { name: string } }>(
    '/v1/queues/delete',
    { schema: { body: queueNameBody } },
    (req, reply) => answer(ops.admin.deleteQueue(req.body.name, req.requester), reply),
  );
  app.post<{ Body: { name: string } }>(
    '/v1/server/default-queue',
    { schema: { body: queueNameBody } },
    (req, reply) => answer(ops.admin.setDefaultQueue(req.body.name, req.requester), reply),
  );
  app.post<{ Body: { changes: ServerChanges } }>(
    '/v1/server/set',
    { schema: { body: serverBody } },
    (req, reply) => answer(ops.admin.changeServer(req.body.changes, req.requester), reply),
  );
}
