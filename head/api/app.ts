// buildApp(deps) builds the fastify app; head/main.ts is the only file that wires real resources.
// Every request is answered for a requester the transport proved (head/auth/): `user` and `by` in
// bodies are accepted from older commands and ignored.
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { httpStatus, type Result } from '../../core/errors.js';
import { type Identity, type Requester, roleOf } from '../../core/policy/permissions.js';
import { MAX_SCRIPT_SIZE_CEILING } from '../../core/policy/server-settings.js';
import type { Terminals } from '../agent-link/terminals.js';
import type { FarmOps } from '../farm/farm-commands.js';
import type { JobWaits } from '../jobs/job-waits.js';
import type { Operations } from '../jobs/operations.js';
import type { ServiceOps } from '../service/service-ops.js';
import { farmRoutes } from './farm-routes.js';
import { holdAnswersUntilDurable } from './ha-routes.js';
import { jobQueueRoutes } from './job-queue-routes.js';
import { jobControlRoutes, jobRoutes } from './job-routes.js';
import { type NodeAdmin, nodeAdminRoutes, nodeRoutes } from './node-routes.js';
import { refusal } from './replies.js';
import { gateByRole, type HeadRole } from './role-gate.js';
import { NO_CONTROL, NO_NUL } from './schema-parts.js';
import { queueRoutes, serverRoutes } from './server-routes.js';
import { serviceRoutes } from './service-routes.js';
import { acceptTerminals } from './terminal-upgrade.js';
import { waitRoutes } from './wait-routes.js';

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
  services?: ServiceOps;
  /** `qsub -W block=true`'s waits (none: the route is absent) */
  waits?: JobWaits;
  server: string;
  nodeAdmin?: NodeAdmin;
  logger?: boolean | object;
  identify: Identify;
  /** the uid the head runs as: its own user manages it */
  headUid: number;
  /** this head's role now (default: always the primary); a non-primary refuses with NOT_PRIMARY */
  role?: () => HeadRole;
  /** the HA controller's routes, under /v1/ha/ (answered in any role: head/api/role-gate.ts) */
  haRoutes?: (app: FastifyInstance) => void;
  /** a head with a standby: answers wait until what they follow from is on the standby */
  durable?: () => Promise<void>;
  /** more routes, registered with the rest (the web view's, head/web/web-routes.ts) */
  moreRoutes?: ((app: FastifyInstance) => void)[];
  /** interactive jobs' terminals (qsub -I), reached by an upgrade (head/api/terminal-upgrade.ts) */
  terminals?: Terminals;
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

/** A schema violation, a body too large, or any other error, as the API answers it. */
function handleErrors(app: FastifyInstance): void {
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
}

/** The options every API app is built with. */
export const FASTIFY_OPTIONS = {
  bodyLimit: BODY_LIMIT,
  // refuse what the schemas do not allow instead of silently stripping or coercing it
  ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
} as const;

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({ logger: deps.logger ?? false, ...FASTIFY_OPTIONS });
  apiRoutes(app, deps);
  if (deps.terminals) acceptTerminals(app, deps, deps.terminals);
  return app;
}

/** The API on an app (or an encapsulated part of one: head/web/web-app.ts): hooks, then routes. */
export function apiRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { ops } = deps;
  if (deps.role) gateByRole(app, deps.role);
  if (deps.durable) holdAnswersUntilDurable(app, deps.durable);
  keepRawJson(app);
  identifyRequests(app, deps);
  handleErrors(app);
  jobRoutes(app, ops, deps.server);
  jobControlRoutes(app, ops);
  if (deps.waits) waitRoutes(app, deps.waits);
  jobQueueRoutes(app, ops, deps.server);
  if (deps.farms) farmRoutes(app, deps.farms, ops.control);
  if (deps.services) serviceRoutes(app, deps.services);
  serverRoutes(app, ops);
  nodeRoutes(app, ops);
  nodeAdminRoutes(app, deps.nodeAdmin);
  queueRoutes(app, ops);
  for (const routes of deps.moreRoutes ?? []) routes(app);
  deps.haRoutes?.(app);
}
