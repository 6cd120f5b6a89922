// The reservation routes: pbs_rsub (POST /v1/reservations), pbs_rstat (…/query) and pbs_rdel
// (…/delete). Anyone may make and see reservations; ending one is for its owner, operators and
// managers (head/reservations/reservations.ts).
import type { FastifyInstance } from 'fastify';
import type { ResvRequest } from '../../core/reservation-record.js';
import type { Reservations } from '../reservations/reservations.js';
import { answer } from './replies.js';
import { resvDeleteBody, resvQueryBody, resvSubmitBody } from './reservation-schemas.js';

export function reservationRoutes(reservations: Reservations) {
  return (app: FastifyInstance): void => {
    app.post<{ Body: { request: ResvRequest } }>(
      '/v1/reservations',
      { schema: { body: resvSubmitBody } },
      async (req, reply) => answer(reply, await reservations.submit(req.body.request, req.requester)),
    );
    app.post<{ Body: { operands?: string[] } }>(
      '/v1/reservations/query',
      { schema: { body: resvQueryBody } },
      (req) => ({ results: reservations.query(req.body.operands ?? [], req.requester) }),
    );
    app.post<{ Body: { operands: string[] } }>(
      '/v1/reservations/delete',
      { schema: { body: resvDeleteBody } },
      (req) => ({ results: reservations.delete(req.body.operands, req.requester) }),
    );
  };
}
