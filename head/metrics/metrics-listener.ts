// `drover head --metrics-listen HOST:PORT [--metrics-token-file FILE]`: a small listener of its
// own with only `GET /metrics`, so that Prometheus scrapes a head without its API or web view.
import { readFileSync, statSync } from 'node:fs';
import Fastify from 'fastify';
import type { HeadOptions } from '../head-options.js';
import { splitHostPort } from '../listeners.js';
import type { MetricsSource } from './head-metrics.js';
import { metricsRoute } from './metrics-route.js';

/** The token a scrape must send: the file's first line. A file every user may read is refused. */
export function readMetricsToken(file: string): string {
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o004)
    throw new Error(
      `${file} is readable by every user (mode ${mode.toString(8).padStart(3, '0')}): chmod o-r it`,
    );
  const token = readFileSync(file, 'utf8').split('\n')[0]!.trim();
  if (token === '') throw new Error(`${file}: its first line (the token) is empty`);
  return token;
}

/** The flags as the head's options, or why they do not make sense. */
export function metricsOptions(
  listen: string | undefined,
  tokenFile: string | undefined,
): HeadOptions['metrics'] | string {
  if (listen === undefined)
    return tokenFile === undefined ? undefined : '--metrics-token-file needs --metrics-listen';
  try {
    splitHostPort(listen);
  } catch {
    return `--metrics-listen: not HOST:PORT: ${listen}`;
  }
  if (tokenFile === undefined) return { listen };
  try {
    return { listen, token: readMetricsToken(tokenFile) };
  } catch (e) {
    return `--metrics-token-file: ${(e as Error).message}`;
  }
}

/** Listen on HOST:PORT until close(). */
export async function openMetricsListener(
  opts: NonNullable<HeadOptions['metrics']>,
  metrics: MetricsSource,
): Promise<{ close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  metricsRoute(app, metrics, opts.token !== undefined ? { token: opts.token } : {});
  app.setNotFoundHandler((_req, reply) =>
    reply
      .code(404)
      .send({ statusCode: 404, code: 'BAD_REQUEST', message: 'only GET /metrics is served here' }),
  );
  app.setErrorHandler((err: Error, _req, reply) =>
    reply.code(500).send({ statusCode: 500, code: 'INTERNAL', message: err.message }),
  );
  const [host, port] = splitHostPort(opts.listen);
  await app.listen({ host, port });
  return { close: () => app.close() };
}
