// The only HTTP code in cli/: requests to the head over its Unix socket ($DROVER_HOME/head.sock)
// or, when DROVER_SERVER=http://HOST:PORT is set, over TCP.
import { request } from 'node:http';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import type { ErrorCode } from '../core/types.js';

export interface ApiError {
  statusCode: number;
  code: ErrorCode;
  message: string;
}

export type ApiReply<T> = { ok: true; body: T } | { ok: false; error: ApiError };

/** The head could not be reached at all. */
export class NoServer extends Error {
  constructor(
    readonly server: string,
    readonly errno: number,
  ) {
    super(`cannot connect to server ${server} (errno=${errno})`);
  }
}

const ERRNO: Record<string, number> = {
  ECONNREFUSED: 111,
  ENOENT: 2,
  EACCES: 13,
  ETIMEDOUT: 110,
  EHOSTUNREACH: 113,
};

function target(): { socketPath: string } | { host: string; port: number; server: string } {
  const url = process.env.DROVER_SERVER;
  if (url) {
    const u = new URL(url);
    return { host: u.hostname, port: Number(u.port || 80), server: u.hostname };
  }
  const home = process.env.DROVER_HOME ?? join(homedir(), '.drover');
  return { socketPath: join(home, 'head.sock') };
}

export function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiReply<T>> {
  const to = target();
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const server = 'server' in to ? to.server : hostname().split('.')[0]!;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        ...('socketPath' in to ? { socketPath: to.socketPath } : { host: to.host, port: to.port }),
        method,
        path,
        headers: payload
          ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = { statusCode: res.statusCode, code: 'INTERNAL', message: text };
          }
          const status = res.statusCode ?? 500;
          resolve(status < 400 ? { ok: true, body: parsed as T } : { ok: false, error: parsed as ApiError });
        });
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => reject(new NoServer(server, ERRNO[e.code ?? ''] ?? 111)));
    req.end(payload);
  });
}
