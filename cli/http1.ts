// One HTTP/1.1 request over a Unix or TCP socket, for the commands. node:http costs a command a
// quarter of its start-up (loading the module, its agent, the host checks of its client) for one
// request that closes its connection; this writes the request and reads the reply itself.
import { connect, type Socket } from 'node:net';

export type Endpoint = { socketPath: string } | { host: string; port: number };

export interface Reply {
  status: number;
  body: Buffer;
}

/** The body of a chunked reply. */
function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = Number.parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** Split a complete reply (the server closed the connection after it) into status and body. */
export function parseReply(raw: Buffer): Reply | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const head = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1]);
  if (!status) return undefined;
  const rest = raw.subarray(end + 4);
  const header = (name: string) =>
    head
      .find((h) => h.toLowerCase().startsWith(`${name}:`))
      ?.slice(name.length + 1)
      .trim();
  if (header('transfer-encoding')?.toLowerCase() === 'chunked') return { status, body: dechunk(rest) };
  const length = header('content-length');
  return { status, body: length === undefined ? rest : rest.subarray(0, Number(length)) };
}

/** Why an exchange failed: the socket's error, and whether the connection had been made. */
export type ExchangeError = NodeJS.ErrnoException & { connected: boolean };

/** How long a TCP connection may take to open (a head whose machine is gone never refuses it). */
export const CONNECT_TIMEOUT_MS = 3000;

/**
 * Send one request (`Connection: close`) and resolve with the reply; rejects with the socket's
 * error (an ExchangeError: `connected` tells a head that was never reached from one that went
 * away with the request). The connection is opened at once, while `headers` may still be on their
 * way (a credential being made), and the request goes out when both are there.
 */
export function exchange(
  to: Endpoint,
  method: string,
  path: string,
  headers: Record<string, string> | Promise<Record<string, string>>,
  body: string | undefined,
  /** no reply this long after the connection opened: a head that stopped (ETIMEDOUT, connected) */
  replyTimeoutMs?: number,
): Promise<Reply> {
  return new Promise((resolve, rejectWith) => {
    const socket: Socket = 'socketPath' in to ? connect(to.socketPath) : connect(to.port, to.host);
    let connected = false;
    const reject = (e: Error) => rejectWith(Object.assign(e, { connected }));
    const timer = setTimeout(() => {
      socket.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' }));
    }, CONNECT_TIMEOUT_MS);
    socket.once('connect', () => {
      connected = true;
      clearTimeout(timer);
      if (replyTimeoutMs !== undefined)
        socket.setTimeout(replyTimeoutMs, () =>
          socket.destroy(Object.assign(new Error('no reply in time'), { code: 'ETIMEDOUT' })),
        );
    });
    socket.once('close', () => clearTimeout(timer));
    const request = Promise.resolve(headers).then((h) =>
      [
        `${method} ${path} HTTP/1.1`,
        `Host: ${'host' in to ? to.host : 'localhost'}`,
        'Connection: close',
        ...Object.entries(h).map(([k, v]) => `${k}: ${v}`),
        ...(body !== undefined
          ? ['Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`]
          : []),
      ].join('\r\n'),
    );
    const chunks: Buffer[] = [];
    socket.once('connect', () => void request.then((head) => socket.write(`${head}\r\n\r\n${body ?? ''}`)));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.once('error', reject);
    socket.once('end', () => {
      const reply = parseReply(Buffer.concat(chunks));
      if (reply) resolve(reply);
      else reject(Object.assign(new Error('the head sent no HTTP reply'), { code: 'EPROTO' }));
    });
  });
}
