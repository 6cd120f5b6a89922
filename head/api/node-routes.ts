// The node routes: pbsnodes (list, offline, online, comment) and `drover node add/remove`.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { httpStatus, type Result } from '../../core/errors.js';
import { requireRole } from '../../core/policy/permissions.js';
import type { NodeAdded, NodeInput } from '../../core/record-types.js';
import type { Operations } from '../jobs/operations.js';
import { nodeAddBody, nodeRemoveBody, nodesBody, nodesCommentBody } from './admin-schemas.js';
import { refusal } from './replies.js';

export interface NodeAdmin {
  add(input: NodeInput): Promise<Result<NodeAdded>>;
  remove(name: string): Result<void>;
}

/** pbsnodes: the nodes, offline and online, comments. */
export function nodeRoutes(app: FastifyInstance, ops: Operations): void {
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
}

/** Adding and removing nodes: managers only, on a head that manages nodes. */
export function nodeAdminRoutes(app: FastifyInstance, nodeAdmin: NodeAdmin | undefined): void {
  /** The node admin when a manager asks a head that manages nodes; else the refusal is sent. */
  const admin = (req: FastifyRequest, reply: FastifyReply): NodeAdmin | undefined => {
    const allowed = requireRole(req.requester, 'manager');
    if (!allowed.ok) reply.code(httpStatus(allowed.error.code)).send(refusal(allowed.error));
    else if (!nodeAdmin)
      reply.code(400).send(refusal({ code: 'NOT_SUPPORTED', message: 'this head does not manage nodes' }));
    return allowed.ok ? nodeAdmin : undefined;
  };
  app.post<{ Body: NodeInput }>('/v1/nodes', { schema: { body: nodeAddBody } }, async (req, reply) => {
    const nodes = admin(req, reply);
    if (!nodes) return reply;
    const r = await nodes.add(req.body);
    if (!r.ok) return reply.code(httpStatus(r.error.code)).send(refusal(r.error));
    return reply.code(201).send(r.value);
  });

  app.post<{ Body: { name: string } }>(
    '/v1/nodes/remove',
    { schema: { body: nodeRemoveBody } },
    (req, reply) => {
      const nodes = admin(req, reply);
      if (!nodes) return reply;
      const r = nodes.remove(req.body.name);
      if (!r.ok) return reply.code(httpStatus(r.error.code)).send(refusal(r.error));
      return { removed: req.body.name };
    },
  );
}
