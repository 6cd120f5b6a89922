// The API client of the commands: requests to the head over its Unix socket, or over TCP when
// DROVER_SERVER=http://HOST:PORT is set. On the socket the kernel tells the head who we are; over
// TCP each request carries a MUNGE credential made for exactly that request.
import { existsSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import type { ErrorCode } from '../core/errors.js';
import { requestCredential } from '../platform/request-credential.js';
import { exchange, type Reply } from './http1.js';

export interface ApiError {
  statusCode: number;
  code: ErrorCode;
  message: string;
}

export type ApiReply<T> = { ok: true; body: T } | { ok: false; error: ApiError };

/** The head refused a request a command cannot go on without (runCommand prints it). */
export class Refused extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
  }
}

/** The reply's body, or a Refused for its refusal. */
export function bodyOf<T>(reply: ApiReply<T>): T {
  if (!reply.ok) throw new Refused(reply.error);
  return reply.body;
}

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

/** Where a head run by root keeps its state (its head.sock is every local user's way in). */
export const SYSTEM_HOME = '/var/spool/drover';

/** A head's state directory: $DROVER_HOME, else /var/spool/drover for root, ~/.drover for others. */
export function defaultHome(): string {
  return process.env.DROVER_HOME ?? (process.getuid?.() === 0 ? SYSTEM_HOME : join(homedir(), '.drover'));
}

/**
 * The head to ask: DROVER_SERVER (TCP), else the socket of $DROVER_HOME, else a head of one's own
 * (~/.drover), else the cluster's (/var/spool/drover).
 */
function target(): { socketPath: string } | { host: string; port: number; server: string } {
  const url = process.env.DROVER_SERVER;
  if (url) {
    const u = new URL(url);
    return { host: u.hostname, port: Number(u.port || 80), server: u.hostname };
  }
  if (process.env.DROVER_HOME) return { socketPath: join(process.env.DROVER_HOME, 'head.sock') };
  const own = join(homedir(), '.drover', 'head.sock');
  return { socketPath: existsSync(own) ? own : join(SYSTEM_HOME, 'head.sock') };
}

export async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiReply<T>> {
  const to = target();
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const server = 'server' in to ? to.server : hostname().split('.')[0]!;
  // over TCP the credential is made while the connection opens (DROVER_AUTH=none: a head of
  // one's own started with --auth none wants none)
  const mungeless = 'socketPath' in to || process.env.DROVER_AUTH === 'none';
  const auth = mungeless ? undefined : requestCredential(method, path, payload);
  const headers = auth ? auth.then((a) => a.headers) : {};
  const reply = await send<T>(to, method, path, payload, headers, server);
  // a head that wanted a credential we could not make: say why we had none
  const problem = (await auth)?.problem;
  if (!reply.ok && reply.error.code === 'BAD_CREDENTIAL' && problem) reply.error.message += ` (${problem})`;
  return reply;
}

async function send<T>(
  to: ReturnType<typeof target>,
  method: string,
  path: string,
  payload: string | undefined,
  auth: Record<string, string> | Promise<Record<string, string>>,
  server: string,
): Promise<ApiReply<T>> {
  let reply: Reply;
  try {
    reply = await exchange(to, method, path, auth, payload);
  } catch (e) {
    throw new NoServer(server, ERRNO[(e as NodeJS.ErrnoException).code ?? ''] ?? 111);
  }
  const text = reply.body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { statusCode: reply.status, code: 'INTERNAL', message: text };
  }
  return reply.status < 400 ? { ok: true, body: parsed as T } : { ok: false, error: parsed as ApiError };
}
