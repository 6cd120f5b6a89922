// The routes of qselect (the ids of the jobs that pass its tests), qmove (jobs to another queue),
// qorder (two jobs swap their places) and qmsg (a line into running jobs' output).
import type { FastifyInstance } from 'fastify';
import type { SelectTest } from '../../core/pbs/select-criteria.js';
import type { TailStream } from '../../core/protocol/agent-protocol.js';
import type { Operations } from '../jobs/operations.js';
import { messageBody, moveBody, orderBody, selectBody } from './job-schemas.js';
import { answer } from './replies.js';

export function jobQueueRoutes(app: FastifyInstance, ops: Operations, server: string): void {
  app.post<{ Body: { tests: SelectTest[]; history?: boolean; subjobs?: boolean } }>(
    '/v1/jobs/select',
    { schema: { body: selectBody } },
    (req, reply) => {
      const { tests, history = false, subjobs = false } = req.body;
      const r = ops.queries.select(req.requester, tests, history, subjobs);
      return r.ok ? { server, ids: r.value } : answer(reply, r);
    },
  );

  app.post<{ Body: { destination: string; operands: string[] } }>(
    '/v1/jobs/move',
    { schema: { body: moveBody } },
    (req, reply) => {
      const r = ops.moves.move(req.body.destination, req.body.operands, req.requester);
      return r.ok ? { results: r.value } : answer(reply, r);
    },
  );

  app.post<{ Body: { operands: [string, string] } }>(
    '/v1/jobs/order',
    { schema: { body: orderBody } },
    (req, reply) => {
      const [first, second] = req.body.operands;
      const r = ops.moves.order(first, second, req.requester);
      return r.ok ? {} : answer(reply, r);
    },
  );

  app.post<{ Body: { operands: string[]; text: string; streams: TailStream[] } }>(
    '/v1/jobs/message',
    { schema: { body: messageBody } },
    async (req) => ({
      results: await ops.messages.message(req.body.operands, req.body.text, req.body.streams, req.requester),
    }),
  );
}
