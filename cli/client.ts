// The API client of the commands: requests to the head over its Unix socket, or over TCP when
// DROVER_SERVER=http://HOST:PORT (or several heads, or the cluster config file) says so. On the
// socket the kernel tells the head who we are; over TCP each request carries a MUNGE credential
// made for exactly that request.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type ApiReply, Refused } from './api-errors.js';
import { askHeads } from './failover.js';
import { confValue, type Head, headsToAsk } from './head-list.js';

/** Where a head run by root keeps its state (its head.sock is every local user's way in). */
export const SYSTEM_HOME = '/var/spool/drover';

/** A head's state directory: $DROVER_HOME, else /var/spool/drover for root, ~/.drover for others. */
export function defaultHome(): string {
  return process.env.DROVER_HOME ?? (process.getuid?.() === 0 ? SYSTEM_HOME : join(homedir(), '.drover'));
}

/** The cluster config file: $DROVER_CONF, else /etc/drover.conf (when it exists). */
function confServer(): string | undefined {
  const file = process.env.DROVER_CONF ?? '/etc/drover.conf';
  try {
    return confValue(readFileSync(file, 'utf8'), 'DROVER_SERVER');
  } catch {
    return undefined;
  }
}

/** The heads to ask (cli/head-list.ts has the order); refuses a DROVER_SERVER that names none. */
export function configuredHeads(): Head[] {
  const own = join(homedir(), '.drover', 'head.sock');
  const system = join(SYSTEM_HOME, 'head.sock');
  const home = process.env.DROVER_HOME;
  const server = process.env.DROVER_SERVER;
  const { heads, bad } = headsToAsk({
    server,
    home,
    conf: server || home ? undefined : confServer(),
    localSocket: existsSync(own) ? own : existsSync(system) ? system : undefined,
    systemSocket: system,
  });
  if (bad.length > 0 || heads.length === 0)
    throw new Refused({
      statusCode: 400,
      code: 'FAILED',
      message: `not a head's address: ${bad.join(', ') || '(none)'} (DROVER_SERVER=http://HOST:PORT[,http://HOST:PORT…])`,
    });
  return heads;
}

/**
 * One request to the head that answers as the primary (cli/failover.ts); a POST carries a request
 * id, the same on a retry, so that a submission is stored once however often it is sent.
 */
export async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiReply<T>> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const requestId = method === 'POST' ? randomUUID() : undefined;
  return (await askHeads(configuredHeads(), { method, path, payload, requestId })) as ApiReply<T>;
}
