// The job routes: submit (once per request id), query, trace and a running job's output; hold,
// release, delete, rerun and alter.
import type { FastifyInstance } from 'fastify';
import { httpStatus } from '../../core/errors.js';
import type { JobSpec } from '../../core/job-spec-types.js';
import type { TailStream } from '../../core/protocol/agent-protocol.js';
import { REQUEST_ID_HEADER, requestIdOf } from '../../core/protocol/request-id.js';
import type { Alteration } from '../jobs/alter-job.js';
import type { Operations } from '../jobs/operations.js';
import {
  alterBody,
  deleteBody,
  holdBody,
  outputParams,
  outputQuery,
  queryBody,
  rerunBody,
  signalBody,
  submitBody,
  traceBody,
} from './job-schemas.js';
import { answer, refusal } from './replies.js';

/** Submit, qstat's query, tracejob and drover peek. */
export function jobRoutes(app: FastifyInstance, ops: Operations, server: string): void {
  app.post<{ Body: { spec: JobSpec } }>('/v1/jobs', { schema: { body: submitBody } }, async (req, reply) => {
    const requestId = requestIdOf(req.headers[REQUEST_ID_HEADER]);
    if (requestId === false) {
      const message = `${REQUEST_ID_HEADER} wants 8 to 64 letters, digits and dashes`;
      return reply.code(400).send(refusal({ code: 'BAD_REQUEST', message }));
    }
    const r = await ops.submissions.submit(req.body.spec, req.requester, requestId);
    if (!r.ok) return reply.code(httpStatus(r.error.code)).send(refusal(r.error));
    return reply.code(201).send(r.value);
  });

  app.post<{ Body: { operands?: string[]; history?: boolean; brief?: boolean; subjobs?: boolean } }>(
    '/v1/jobs/query',
    { schema: { body: queryBody } },
    (req) => {
      const { operands, history = false, brief = false, subjobs = false } = req.body;
      return {
        server,
        ...ops.queries.compat(),
        ...ops.queries.query(req.requester, operands, history, brief, subjobs),
      };
    },
  );

  app.post<{ Body: { operand: string } }>('/v1/jobs/trace', { schema: { body: traceBody } }, (req, reply) => {
    const r = ops.queries.trace(req.body.operand, req.requester);
    if (!r.ok) return reply.code(httpStatus(r.error.code)).send(refusal(r.error));
    return r.value;
  });

  app.get<{ Params: { id: string }; Querystring: { from?: string; stream?: TailStream } }>(
    '/v1/jobs/:id/output',
    { schema: { params: outputParams, querystring: outputQuery } },
    async (req, reply) => {
      const { from = '0', stream = 'out' } = req.query;
      return answer(reply, await ops.output.tail(req.params.id, req.requester, stream, Number(from)));
    },
  );
}

/** qhold, qrls, qdel, qrerun, qsig and qalter: an answer per operand. */
export function jobControlRoutes(app: FastifyInstance, ops: Operations): void {
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

  app.post<{ Body: { operands: string[]; history?: boolean } }>(
    '/v1/jobs/delete',
    { schema: { body: deleteBody } },
    (req) => ({ results: ops.control.delete(req.body.operands, req.requester, req.body.history === true) }),
  );

  app.post<{ Body: { operands: string[] } }>('/v1/jobs/rerun', { schema: { body: rerunBody } }, (req) => ({
    results: ops.control.rerun(req.body.operands, req.requester),
  }));

  app.post<{ Body: { operands: string[]; signal: string } }>(
    '/v1/jobs/signal',
    { schema: { body: signalBody } },
    (req) => ({ results: ops.signals.signal(req.body.operands, req.body.signal, req.requester) }),
  );

  app.post<{ Body: { operands: string[]; alteration: Alteration } }>(
    '/v1/jobs/alter',
    { schema: { body: alterBody } },
    (req) => ({
      results: ops.control.alter(req.body.operands, req.body.alteration, req.requester),
    }),
  );
}
