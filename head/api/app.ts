// buildApp(deps) builds the fastify app; head/main.ts is the only file that wires real resources.
// Every request is answered for a requester the transport proved (head/auth/): `user` and `by` in
// bodies are accepted from older commands and ignored.
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { httpStatus, type Refusal, type Result } from '../../core/errors.js';
import type { JobSpec } from '../../core/job-spec-types.js';
import { type Identity, type Requester, requireRole, roleOf } from '../../core/policy/permissions.js';
import { MAX_SCRIPT_SIZE_CEILING, type ServerChanges } from '../../core/policy/server-settings.js';
import type { QueueChanges } from '../db/queues-table.js';
import type { FarmOps } from '../farm/farm-commands.js';
import type { Alteration } from '../jobs/alter-job.js';
import type { Operations } from '../jobs/operations.js';
import type { NodeAdded, NodeInput } from '../nodes/node-admin.js';
import {
  nodeAddBody,
  nodeRemoveBody,
  nodesBody,
  nodesCommentBody,
  queueBody,
  queueNameBody,
  serverBody,
} from './admin-schemas.js';
import { farmRetryBody, farmUnblockBody } from './farm-schemas.js';
import { alterBody, deleteBody, holdBody, queryBody, submitBody, traceBody } from './job-schemas.js';
import { NO_CONTROL, NO_NUL } from './schema-parts.js';

export interface NodeAdmin {
  add(input: NodeInput): Promise<Result<NodeAdded>>;
  remove(name: string): Result<void>;
}

/** What a transport knows of a request: enough to prove who sent it. */
export interface IncomingRequest {
  socket: Socket;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** the body as received (empty without one) */
  rawBody: Buffer;
}

/** Who sent a request, as this listener proves it (kernel peer credentials, MUNGE, …). */
export type Identify = (req: IncomingRequest) => Promise<Result<Identity>>;

export interface AppDeps {
  ops: Operations;
  farms?: FarmOps;
  server: string;
  nodeAdmin?: NodeAdmin;
  logger?: boolean | object;
  identify: Identify;
  /** the uid the head runs as: its own user manages it */
  headUid: number;
}

/** Every request fits in this; a job script is limited further by max_script_size. */
export const BODY_LIMIT = 2 * MAX_SCRIPT_SIZE_CEILING;

declare module 'fastify' {
  interface FastifyRequest {
    requester: Requester;
    rawBody?: Buffer;
  }
}

interface Violation {
  keyword: string;
  instancePath: string;
  params: { pattern?: string };
}

/** A schema violation as a person reads it: a control character or NUL named as such. */
function violation(err: { validation?: Violation[]; message: string }): string {
  const v = err.validation?.[0];
  const where = `body${v?.instancePath ?? ''}`;
  if (v?.keyword === 'pattern' && v.params.pattern === NO_CONTROL)
    return `${where} holds a control character (or NUL): refused`;
  if (v?.keyword === 'pattern' && v.params.pattern === NO_NUL) return `${where} holds a NUL byte: refused`;
  return err.message;
}

function refusal(error: Refusal) {
  return { statusCode: httpStatus(error.code), code: error.code, message: error.message };
}

/** The body is kept as received (a MUNGE credential covers its bytes), then parsed as JSON. */
function keepRawJson(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    req.rawBody = body as Buffer;
    parse(req, (body as Buffer).toString('utf8'), done);
  });
}

/** Establish who asks before anything else looks at the request. */
function identifyRequests(app: FastifyInstance, deps: AppDeps): void {
  app.addHook('preValidation', async (req: FastifyRequest, reply: FastifyReply) => {
    const who = await deps.identify({
      socket: req.raw.socket,
      method: req.method,
      url: req.url,
      headers: req.headers,
      rawBody: req.rawBody ?? Buffer.alloc(0),
    });
    if (!who.ok) return reply.code(httpStatus(who.error.code)).send(refusal(who.error));
    req.requester = { ...who.value, role: roleOf(who.value, deps.ops.admin.settings(), deps.headUid) };
  });
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: BODY_LIMIT,
    // refuse what the schemas do not allow instead of silently stripping or coercing it
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
  });
  const { ops } = deps;
  keepRawJson(app);
  identifyRequests(app, deps);

  app.setErrorHandler(
    (err: { validation?: Violation[]; message: string; statusCode?: number }, _req, reply) => {
      if (err.validation) {
        return reply.code(400).send({ statusCode: 400, code: 'BAD_REQUEST', message: violation(err) });
      }
      if (err.statusCode === 413)
        return reply.code(413).send({
          statusCode: 413,
          code: 'BAD_REQUEST',
          message: `request larger than the head accepts (${BODY_LIMIT / 2 ** 20} MiB)`,
        });
      const status = err.statusCode && err.statusCode < 500 ? err.statusCode : 500;
      return reply.code(status).send({
        statusCode: status,
        code: status === 500 ? 'INTERNAL' : 'BAD_REQUEST',
        message: err.message,
      });
    },
  );

  app.post<{ Body: { spec: JobSpec } }>('/v1/jobs', { schema: { body: submitBody } }, async (req, reply) => {
    const r = await ops.submissions.submit(req.body.spec, req.requester);
    if (!r.ok) return reply.code(httpStatus(r.error.code)).send(refusal(r.error));
    return reply.code(201).send(r.value);
  });

  app.post<{ Body: { operands?: string[]; history?: boolean; brief?: boolean; subjobs?: boolean } }>(
    '/v1/jobs/query',
    { schema: { body: queryBody } },
    (req) => {
      const { operands, history = false, brief = false, subjobs = false } = req.body;
      return {
        server: deps.server,
        ...ops.queries.compat(),
        ...ops.queries.query(req.requester, operands, history, brief, subjobs),
      };
    },
  );

  app.post<{ Body: { operands: string[]; types: string } }>(
    '/v1/jobs/hold',
    { schema: { body: holdBody } },
    (req) => ({
      results: ops.control.hold(req.body.operands, req.body.types, req.requester),
    }),
  );

  app.post<{ Body: { operands: string[]; types: string } }>(
    '/v1/jobs/release',
    { schema: { body: holdBody } },
    (req) => ({
      results: ops.control.release(req.body.operands, req.body.types, req.requester),
    }),
  );

  app.post<{ Body: { operands: string[] } }>('/v1/jobs/delete', { schema: { body: deleteBody } }, (req) => ({
    results: ops.control.delete(req.body.operands, req.requester),
  }));

  app.post<{ Body: { operands: string[] } }>('/v1/jobs/rerun', { schema: { body: deleteBody } }, (req) => ({
    results: ops.control.rerun(req.body.operands, req.requester),
  }));

  app.post<{ Body: { operands: string[]; alteration: Alteration } }>(
    '/v1/jobs/alter',
    { schema: { body: alterBody } },
    (req) => ({
      results: ops.control.alter(req.body.operands, req.body.alteration, req.requester),
    }),
  );

  app.post<{ Body: { operand: string } }>('/v1/jobs/trace', { schema: { body: traceBody } }, (req, reply) => {
    const r = ops.queries.trace(req.body.operand, req.requester);
    if (!r.ok) return reply.code(httpStatus(r.error.code)).send(refusal(r.error));
    return r.value;
  });

  if (deps.farms) farmRoutes(app, deps.farms);

  app.get('/v1/server', () => ({ server: ops.admin.serverRecord(), queues: ops.admin.queueRecords() }));

  app.get('/v1/crons', (req) => ({
    server: ops.admin.serverRecord(),
    crons: ops.submissions.crons(req.requester),
  }));

  app.get('/v1/nodes', () => ({ server: ops.admin.serverRecord(), nodes: ops.nodes.nodeRecords() }));

  app.post<{ Body: { names: string[]; comment?: string } }>(
    '/v1/nodes/offline',
    { schema: { body: nodesBody } },
    (req) => ({
      results: ops.nodes.setOffline(req.body.names, true, req.body.comment, req.requester),
    }),
  );

  app.post<{ Body: { names: string[]; comment?: string } }>(
    '/v1/nodes/online',
    { schema: { body: nodesBody } },
    (req) => ({
      results: ops.nodes.setOffline(req.body.names, false, req.body.comment, req.requester),
    }),
  );

  app.post<{ Body: { names: string[]; comment: string } }>(
    '/v1/nodes/comment',
    { schema: { body: nodesCommentBody } },
    (req) => ({
      results: ops.nodes.setComment(req.body.names, req.body.comment, req.requester),
    }),
  );

  app.post<{ Body: NodeInput }>('/v1/nodes', { schema: { body: nodeAddBody } }, async (req, reply) => {
    const allowed = requireRole(req.requester, 'manager');
    if (!allowed.ok) return reply.code(httpStatus(allowed.error.code)).send(refusal(allowed.error));
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
      const allowed = requireRole(req.requester, 'manager');
      if (!allowed.ok) return reply.code(httpStatus(allowed.error.code)).send(refusal(allowed.error));
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

/** A result as the reply: its value, or its refusal with the code's HTTP status. */
function answer<T>(reply: FastifyReply, r: Result<T>) {
  if (!r.ok) return reply.code(httpStatus(r.error.code)).send(refusal(r.error));
  return r.value;
}

function farmRoutes(app: FastifyInstance, farms: FarmOps): void {
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
