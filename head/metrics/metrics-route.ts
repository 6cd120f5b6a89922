// `GET /metrics`: the head's metrics in the Prometheus text format, on any fastify app (the
// metrics listener of `drover head --metrics-listen`, head/metrics/metrics-listener.ts, or the
// web view's). With a token, a scrape must send `Authorization: Bearer <token>`.
import type { FastifyInstance } from 'fastify';
import { httpStatus } from '../../core/errors.js';
import { sameSecret } from '../auth/same-secret.js';
import type { MetricsSource } from './head-metrics.js';

/** The header names the token (compared in constant time). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m !== null && sameSecret(m[1]!, token);
}

export function metricsRoute(
  app: FastifyInstance,
  metrics: MetricsSource,
  opts: { token?: string } = {},
): void {
  app.get('/metrics', async (req, reply) => {
    if (opts.token !== undefined && !bearerMatches(req.headers.authorization, opts.token)) {
      const statusCode = httpStatus('BAD_CREDENTIAL');
      return reply.code(statusCode).header('www-authenticate', 'Bearer realm="drover"').send({
        statusCode,
        code: 'BAD_CREDENTIAL',
        message: '/metrics wants Authorization: Bearer <token>',
      });
    }
    const text = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(text);
  });
}
