// qsub -I's connection to its job's terminal at the head (head/api/terminal-upgrade.ts): an HTTP
// upgrade over head.sock (the kernel says who we are) or over TCP with a MUNGE credential made
// for exactly this request, to the first head that answers as the primary.
import { connect, type Socket } from 'node:net';
import { TERMINAL_UPGRADE, terminalPath, type WindowSize } from '../core/protocol/terminal.js';
import { requestCredential } from '../platform/request-credential.js';
import { type ApiError, errnoOf, NoServer, Refused } from './api-errors.js';
import { configuredHeads } from './client.js';
import type { Head } from './head-list.js';
import { CONNECT_TIMEOUT_MS, parseReply } from './http1.js';

/** An upgraded connection, and what came after the reply's headers. */
export interface TerminalLink {
  socket: Socket;
  rest: Buffer;
  /** the head's name, for messages */
  server: string;
}

type Attempt = { link: TerminalLink } | { refused: ApiError } | { errno: number };

/** The upgraded connection of the first head that takes it; Refused or NoServer otherwise. */
export async function openTerminalLink(jobId: string, size: WindowSize): Promise<TerminalLink> {
  const path = `${terminalPath(jobId)}?rows=${size.rows}&cols=${size.cols}`;
  const heads = configuredHeads();
  let errno = 111;
  let standby: ApiError | undefined;
  for (const head of heads) {
    const r = await upgrade(head, path);
    if ('link' in r) return r.link;
    if ('errno' in r) errno = r.errno;
    else if (r.refused.code === 'NOT_PRIMARY') standby = r.refused;
    else throw new Refused(r.refused);
  }
  if (standby) throw new Refused(standby);
  const first = heads[0];
  throw new NoServer(first && 'host' in first ? first.host : 'localhost', errno);
}

function upgrade(head: Head, path: string): Promise<Attempt> {
  const tcp = 'host' in head && process.env.DROVER_AUTH !== 'none';
  const auth = tcp ? requestCredential('GET', path, undefined) : Promise.resolve({ headers: {} });
  return new Promise((resolve) => {
    const socket = 'socketPath' in head ? connect(head.socketPath) : connect(head.port, head.host);
    const timer = setTimeout(() => socket.destroy(), CONNECT_TIMEOUT_MS);
    let got = Buffer.alloc(0);
    const fail = (e: Error) => {
      clearTimeout(timer);
      resolve({ errno: errnoOf(e) });
    };
    socket.once('error', fail);
    socket.once('connect', () => {
      clearTimeout(timer);
      void auth.then((a) => {
        const lines = [
          `GET ${path} HTTP/1.1`,
          `Host: ${'host' in head ? head.host : 'localhost'}`,
          'Connection: Upgrade',
          `Upgrade: ${TERMINAL_UPGRADE}`,
          ...Object.entries(a.headers).map(([k, v]) => `${k}: ${v}`),
        ];
        socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      });
    });
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(got.subarray(0, end).toString('latin1'))?.[1]);
      if (status !== 101) return; // a refusal: read to its end
      socket.off('data', onData);
      socket.off('error', fail);
      socket.off('end', onEnd);
      const server = 'host' in head ? head.host : 'localhost';
      resolve({ link: { socket, rest: got.subarray(end + 4), server } });
    };
    const onEnd = () => {
      const reply = parseReply(got);
      if (!reply) return resolve({ errno: 71 }); // EPROTO: no HTTP reply
      let error: ApiError;
      try {
        error = JSON.parse(reply.body.toString('utf8')) as ApiError;
      } catch {
        error = { statusCode: reply.status, code: 'INTERNAL', message: reply.body.toString('utf8') };
      }
      // a head that wanted a credential we could not make: say why we had none
      void auth.then((a) => {
        if (error.code === 'BAD_CREDENTIAL' && 'problem' in a && a.problem)
          error.message += ` (${a.problem})`;
        resolve({ refused: error });
      });
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
  });
}
