// POST /v1/jobs/wait: `qsub -W block=true` asks how its job ended, and the head holds the request
// until the job is F or `timeout` seconds have passed (head/jobs/job-waits.ts). A POST, so that a
// head with a standby answers only once the standby has the ending too (head/api/ha-routes.ts). A
// request whose command went away stops waiting; closing the app answers every held one at once.
import type { FastifyInstance } from 'fastify';
import { type JobWaits, MAX_HOLD } from '../jobs/job-waits.js';
import { answer } from './replies.js';
import { text, whole } from './schema-parts.js';

const waitBody = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: text(300, { minLength: 1 }), timeout: whole(0, MAX_HOLD) },
} as const;

export function waitRoutes(app: FastifyInstance, waits: JobWaits): void {
  const held = new Set<AbortController>();
  app.addHook('preClose', async () => {
    for (const stop of held) stop.abort();
  });
  app.post<{ Body: { id: string; timeout?: number } }>(
    '/v1/jobs/wait',
    { schema: { body: waitBody } },
    async (req, reply) => {
      const stop = new AbortController();
      held.add(stop);
      reply.raw.once('close', () => stop.abort());
      try {
        const r = await waits.wait(req.body.id, req.requester, (req.body.timeout ?? 0) * 1000, stop.signal);
        return answer(reply, r);
      } finally {
        held.delete(stop);
      }
    },
  );
}
