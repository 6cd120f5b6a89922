// buildApp(deps) builds the fastify app; head/main.ts is the only file that wires real resources.
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { httpStatus } from '../core/errors.js';
import type { JobSpec, Refusal, Result } from '../core/types.js';
import type { Alteration } from './alter.js';
import type { QueueChanges } from './db/queues.js';
import type { FarmOps } from './farm-ops.js';
import type { NodeAdded, NodeInput } from './node-admin.js';
import type { Operations } from './operations.js';
import {
  alterBody,
  deleteBody,
  farmRetryBody,
  farmUnblockBody,
  holdBody,
  nodeAddBody,
  nodeRemoveBody,
  nodesBody,
  queryBody,
  queueBody,
  queueNameBody,
  submitBody,
  traceBody,
} from './schemas.js';

export interface NodeAdmin {
  add(input: NodeInput): Promise<Result<NodeAdded>>;
  remove(name: string): Result<void>;
}

export interface AppDeps {
  ops: Operations;
  farms?: FarmOps;
  server: string;
  nodeAdmin?: NodeAdmin;
  logger?: boolean | object;
}

function refusal(error: Refusal) {
  return { statusCode: httpStatus(error.code), code: error.code, message: error.message };
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: 64 * 1024 * 1024,
    // refuse what the schemas do not allow instead of silently stripping or coercing it
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
  });
  const { ops } = deps;

  app.setErrorHandler((err: { validation?: unknown; message: string; statusCode?: number }, _req, reply) => {
    if (err.validation) {
      return reply.code(400).send({ statusCode: 400, code: 'BAD_REQUEST', message: err.message });
    }
    const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
    return reply
      .code(status)
      .send({ statusCode: status, code: status === 500 ? 'INTERNAL' : 'BAD_REQUEST', message: err.message });
  });

  app.post<{ Body: { spec: JobSpec } }>('/v1/jobs', { schema: { body: submitBody } }, async (req, reply) => {
    const r = await ops.submit(req.body.spec);
    if (!r.ok) return reply.code(httpStatus(r.error.code)).send(refusal(r.error));
    return reply.code(201).send(r.value);
  });

  app.post<{ Body: { operands?: string[]; history?: boolean; brief?: boolean; subjobs?: boolean } }>(
    '/v1/jobs/query',
    { schema: { body: queryBody } },
    (req) => {
      const { operands, history = false, brief = false, subjobs = false } = req.body;
      return { server: deps.server, ...ops.compat(), ...ops.query(operands, history, brief, subjobs) };
    },
  );

  app.post<{ Body: { operands: string[]; types: string; by: string } }>(
    '/v1/jobs/hold',
    { schema: { body: holdBody } },
    (req) => ({
      results: ops.hold(req.body.operands, req.body.types, req.body.by),
    }),
  );

  app.post<{ Body: { operands: string[]; types: string; by: string } }>(
    '/v1/jobs/release',
    { schema: { body: holdBody } },
    (req) => ({
      results: ops.release(req.body.operands, req.body.types, req.body.by),
    }),
  );

  app.post<{ Body: { operands: string[]; by: string } }>(
    '/v1/jobs/delete',
    { schema: { body: deleteBody } },
    (req) => ({
      results: ops.delete(req.body.operands, req.body.by),
    }),
  );

  app.post<{ Body: { operands: string[]; by: string } }>(
    '/v1/jobs/rerun',
    { schema: { body: deleteBody } },
    (req) => ({
      results: ops.rerun(req.body.operands, req.body.by),
    }),
  );

  app.post<{ Body: { operands: string[]; alteration: Alteration; by: string } }>(
    '/v1/jobs/alter',
    { schema: { body: alterBody } },
    (req) => ({
      results: ops.alter(req.body.operands, req.body.alteration, req.body.by),
    }),
  );

  app.post<{ Body: { operand: string } }>('/v1/jobs/trace', { schema: { body: traceBody } }, (req, reply) => {
    const r = ops.trace(req.body.operand);
    if (!r.ok) return reply.code(httpStatus(r.error.code)).send(refusal(r.error));
    return r.value;
  });

  if (deps.farms) farmRoutes(app, deps.farms);

  app.get('/v1/server', () => ({ server: ops.serverRecord(), queues: ops.queueRecords() }));

  app.get('/v1/crons', () => ({ server: ops.serverRecord(), crons: ops.crons() }));

  app.get('/v1/nodes', () => ({ server: ops.serverRecord(), nodes: ops.nodeRecords() }));

  app.post<{ Body: { names: string[]; comment?: string } }>(
    '/v1/nodes/offline',
    { schema: { body: nodesBody } },
    (req) => ({
      results: ops.setOffline(req.body.names, true, req.body.comment),
    }),
  );

  app.post<{ Body: { names: string[] } }>('/v1/nodes/online', { schema: { body: nodesBody } }, (req) => ({
    results: ops.setOffline(req.body.names, false, undefined),
  }));

  app.post<{ Body: NodeInput }>('/v1/nodes', { schema: { body: nodeAddBody } }, async (req, reply) => {
    if (!deps.nodeAdmin)
      return reply
        .code(400)
        .send(refusal({ code: 'NOT_SUPPORTED', message: 'this head does not manage nodes' }));
    const r = await deps.nodeAdmin.add(req.body);
    if (!r.ok) return reply.code(httpStatus(r.error.code)).send(refusal(r.error));
    return reply.code(201).send(r.value);
  });

  app.post<{ Body: { name: string } }>(
    '/v1/nodes/remove',
    { schema: { body: nodeRemoveBody } },
    (req, reply) => {
      if (!deps.nodeAdmin)
        return reply
          .code(400)
          .send(refusal({ code: 'NOT_SUPPORTED', message: 'this head does not manage nodes' }));
      const r = deps.nodeAdmin.remove(req.body.name);
      if (!r.ok) return reply.code(httpStatus(r.error.code)).send(refusal(r.error));
      return { removed: req.body.name };
    },
  );

  registerQueueRoutes(app, deps);
  return app;
}

/** Queue administration: create, change, delete, and the default queue. */
function registerQueueRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { ops } = deps;
  const answer = (r: Result<void>, reply: FastifyReply) =>
    r.ok ? { queues: ops.queueRecords() } : reply.code(httpStatus(r.error.code)).send(refusal(r.error));
  app.post<{ Body: { name: string; changes: QueueChanges } }>(
    '/v1/queues',
    { schema: { body: queueBody } },
    (req, reply) => answer(ops.createQueue(req.body.name, req.body.changes), reply),
  );
  app.post<{ Body: { name: string; changes: QueueChanges } }>(
    '/v1/queues/set',
    { schema: { body: queueBody } },
    (req, reply) => answer(ops.changeQueue(req.body.name, req.body.changes), reply),
  );
  app.post<{ Body: { name: string } }>(
    '/v1/queues/delete',
    { schema: { body: queueNameBody } },
    (req, reply) => answer(ops.deleteQueue(req.body.name), reply),
  );
  app.post<{ Body: { name: string } }>(
    '/v1/server/default-queue',
    { schema: { body: queueNameBody } },
    (req, reply) => answer(ops.setDefaultQueue(req.body.name), reply),
  );
}

/** A result as the reply: its value, or its refusal with the code's HTTP status. */
function answer<T>(reply: FastifyReply, r: Result<T>) {
  if (!r.ok) return reply.code(httpStatus(r.error.code)).send(refusal(r.error));
  return r.value;
}

function farmRoutes(app: FastifyInstance, farms: FarmOps): void {
  app.get('/v1/farms', () => ({ farms: farms.list() }));
  app.get<{ Params: { id: string } }>('/v1/farms/:id', (req, reply) =>
    answer(reply, farms.status(req.params.id)),
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
      return answer(reply, farms.log(req.params.id, frame, attempt));
    },
  );
  app.post<{ Params: { id: string }; Body: { frames?: number[]; failed?: boolean } }>(
    '/v1/farms/:id/retry',
    { schema: { body: farmRetryBody } },
    (req, reply) => answer(reply, farms.retry(req.params.id, req.body.frames, req.body.failed === true)),
  );
  app.post<{ Params: { id: string }; Body: { node?: string } }>(
    '/v1/farms/:id/unblock',
    { schema: { body: farmUnblockBody } },
    (req, reply) => answer(reply, farms.unblock(req.params.id, req.body.node)),
  );
}
