// The render farm routes (render-farm list, status, log, retry, unblock, pause, resume, kill) and
// the thumbnails of finished frames.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Requester } from '../../core/policy/permissions.js';
import type { FarmOps } from '../farm/farm-commands.js';
import type { JobControl } from '../jobs/job-control.js';
import type { OperandResult } from '../jobs/job-operands.js';
import { farmControlBody, farmKillBody, farmRetryBody, farmUnblockBody } from './farm-schemas.js';
import { answer } from './replies.js';

/** A thumbnail asked for with the attempt that made it never changes: cached for a year. */
const PINNED = 'private, max-age=31536000, immutable';
/** Without it (or with an older one) the frame may be rendered again: cached for a minute. */
const UNPINNED = 'private, max-age=60';

const badRequest = (reply: FastifyReply, message: string) =>
  reply.code(400).send({ statusCode: 400, code: 'BAD_REQUEST', message });

export function farmRoutes(app: FastifyInstance, farms: FarmOps, control: JobControl): void {
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
        return badRequest(reply, 'frame and attempt are whole numbers');
      return answer(reply, farms.log(req.params.id, frame, attempt, req.requester));
    },
  );
  app.get<{ Params: { id: string; frame: string }; Querystring: { attempt?: string } }>(
    '/v1/farms/:id/frames/:frame/thumbnail',
    (req, reply) => {
      if (!/^-?\d{1,10}$/.test(req.params.frame)) return badRequest(reply, 'frame is a whole number');
      const r = farms.thumbnail(req.params.id, Number(req.params.frame), req.requester);
      if (!r.ok) return answer(reply, r);
      return reply
        .header('content-type', r.value.type)
        .header('cache-control', req.query.attempt === String(r.value.attempt) ? PINNED : UNPINNED)
        .send(r.value.data);
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
  farmControlRoutes(app, farms, control);
}

/**
 * Pause, resume and kill: qhold -h u, qrls -h u and qdel of the farm's array (kill: or of the
 * tasks of some frames), with their permissions; an answer per job as those routes give.
 */
function farmControlRoutes(app: FastifyInstance, farms: FarmOps, control: JobControl): void {
  type Run = (ids: string[], who: Requester) => OperandResult[];
  const routes: [string, object, Run][] = [
    ['pause', farmControlBody, (ids, who) => control.hold(ids, 'u', who)],
    ['resume', farmControlBody, (ids, who) => control.release(ids, 'u', who)],
    ['kill', farmKillBody, (ids, who) => control.delete(ids, who)],
  ];
  for (const [name, body, run] of routes)
    app.post<{ Params: { id: string }; Body: { frames?: number[] } | undefined }>(
      `/v1/farms/:id/${name}`,
      { schema: { body } },
      (req, reply) => {
        const targets = farms.targets(req.params.id, req.body?.frames, req.requester);
        return targets.ok ? { results: run(targets.value, req.requester) } : answer(reply, targets);
      },
    );
}
