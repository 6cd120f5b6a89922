// The services routes (drover service start|list|status|scale|stop), the brokers' stream of them
// (GET /v1/services/watch, newline-delimited JSON) and the brokers' reports (drover broker list).
// A service is changed by its owner, operators and managers; anyone may list it and watch; any
// authenticated user may report as a broker (a broker usually runs as a service account).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { httpStatus } from '../../core/errors.js';
import type { BrokerReport, WatchEvent } from '../../core/protocol/service-view.js';
import type { ServiceStart } from '../../core/service/service-options.js';
import type { ServiceOps } from '../service/service-ops.js';
import type { ServiceWatch } from '../service/watch-broadcast.js';
import { openStreams, pushStream } from './push-stream.js';
import { answer, refusal } from './replies.js';
import { brokerReportBody, serviceScaleBody, serviceStartBody } from './service-schemas.js';

/** A watcher hears this at least this often, so that it notices a dead stream. */
export const WATCH_PING_MS = 5000;
/** A watcher that leaves this much unread is cut off (it reconnects and gets a snapshot). */
const WATCH_BACKLOG = 8 * 2 ** 20;

/** The stream of one watcher: a snapshot, every change, pings (newline-delimited JSON). */
function watchStream(watch: ServiceWatch, reply: FastifyReply, open: Set<() => void>): void {
  const line = (e: WatchEvent) => `${JSON.stringify(e)}\n`;
  pushStream(reply, open, {
    type: 'application/x-ndjson',
    first: line({ t: 'snapshot', services: watch.snapshot() }),
    subscribe: (write) => watch.subscribe((e) => write(line(e))),
    ping: line({ t: 'ping' }),
    pingMs: WATCH_PING_MS,
    backlog: WATCH_BACKLOG,
  });
}

export function serviceRoutes(app: FastifyInstance, services: ServiceOps): void {
  const open = openStreams(app);
  app.post<{ Body: ServiceStart }>(
    '/v1/services',
    { schema: { body: serviceStartBody } },
    async (req, reply) => {
      const r = await services.start(req.body, req.requester);
      if (!r.ok) return reply.code(httpStatus(r.error.code)).send(refusal(r.error));
      return reply.code(201).send(r.value);
    },
  );
  app.get('/v1/services', () => ({ services: services.list() }));
  app.get('/v1/services/watch', (_req, reply) => watchStream(services.watch, reply, open));
  app.get<{ Params: { name: string } }>('/v1/services/:name', (req, reply) =>
    answer(reply, services.status(req.params.name)),
  );
  app.post<{ Params: { name: string }; Body: { instances: number } }>(
    '/v1/services/:name/scale',
    { schema: { body: serviceScaleBody } },
    async (req, reply) =>
      answer(reply, await services.scale(req.params.name, req.body.instances, req.requester)),
  );
  app.post<{ Params: { name: string } }>('/v1/services/:name/stop', async (req, reply) =>
    answer(reply, await services.stop(req.params.name, req.requester)),
  );
  app.post<{ Body: BrokerReport }>(
    '/v1/brokers/report',
    { schema: { body: brokerReportBody } },
    async (req) => {
      await services.report(req.body);
      return {};
    },
  );
  app.get('/v1/brokers', () => ({ brokers: services.brokerList() }));
}
