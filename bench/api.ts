// The head's API for a long-lived program (the benchmarks): node:http with one keep-alive agent,
// so that requests share connections. The commands make one request per process and use the
// leaner cli/client.ts; a benchmark of the head's API rate wants what a persistent client gets.
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import type { ApiError, ApiReply } from '../cli/api-errors.js';

const agent = new Agent({ keepAlive: true });

/** A request to the head whose socket is in $DROVER_HOME. */
export function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiReply<T>> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const socketPath = join(process.env.DROVER_HOME ?? '', 'head.sock');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        socketPath,
        method,
        path,
        agent,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          resolve(
            (res.statusCode ?? 500) < 400
              ? { ok: true, body: parsed as T }
              : { ok: false, error: parsed as ApiError },
          );
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Let the program exit: close the kept connections. */
export function closeApi(): void {
  agent.destroy();
}
