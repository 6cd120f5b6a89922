// A MUNGE credential from the local munged, asked over its Unix socket (no child process, no
// libmunge): the commands call this on every request to a head over TCP, so it stays small and
// imports nothing but node:net and the wire format.
import { connect } from 'node:net';
import {
  DEFAULT_MUNGE_SOCKET,
  encodeRequest,
  MungeMsg,
  parseEncodeReply,
  readFrame,
} from '../core/protocol/munge-wire.js';

/** munged gives up on a client after 2 s (MUNGE_SOCKET_TIMEOUT_MSECS) */
const EXCHANGE_TIMEOUT_MS = 5_000;
/** a full listen queue refuses connections; libmunge retries those, and so do we, a little */
const CONNECT_ATTEMPTS = 3;
const CONNECT_RETRY_MS = 50;

/** The exchange with munged failed; `unreachable`: no connection was made at all. */
export class MungeSocketError extends Error {
  constructor(
    message: string,
    readonly unreachable: boolean,
    /** the errno code of a failed connect */
    readonly code?: string,
  ) {
    super(message);
  }
}

function exchangeOnce(socketPath: string, request: Buffer, replyType: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let connected = false;
    let received: Buffer = Buffer.alloc(0);
    const socket = connect(socketPath);
    const fail = (message: string, unreachable = false, code?: string) => {
      socket.destroy();
      reject(new MungeSocketError(message, unreachable, code));
    };
    socket.setTimeout(EXCHANGE_TIMEOUT_MS, () =>
      fail(`munged at ${socketPath} did not answer within ${EXCHANGE_TIMEOUT_MS / 1000} s`, !connected),
    );
    socket.once('connect', () => {
      connected = true;
      socket.write(request);
    });
    socket.on('data', (chunk: Buffer) => {
      received = received.length ? Buffer.concat([received, chunk]) : chunk;
      const read = readFrame(received, replyType);
      if (read === undefined) return;
      if ('error' in read) return fail(`munged at ${socketPath} sent a bad reply: ${read.error}`);
      socket.destroy();
      resolve(read.frame.body);
    });
    socket.once('end', () => fail(`munged at ${socketPath} closed the connection without answering`));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      connected
        ? fail(`lost the connection to munged at ${socketPath}: ${err.message}`)
        : fail(
            `cannot reach munged at ${socketPath}: ${err.code ?? err.message}${hint(err.code)}`,
            true,
            err.code,
          ),
    );
  });
}

function hint(code: string | undefined): string {
  return code === 'ENOENT' || code === 'ECONNREFUSED' ? ' (is munged running?)' : '';
}

/** Send one request to munged and return the body of its reply of type `replyType`. */
export async function mungeExchange(socketPath: string, request: Buffer, replyType: number): Promise<Buffer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await exchangeOnce(socketPath, request, replyType);
    } catch (err) {
      const refused =
        err instanceof MungeSocketError && (err.code === 'ECONNREFUSED' || err.code === 'EAGAIN');
      if (!refused || attempt >= CONNECT_ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, attempt * CONNECT_RETRY_MS));
    }
  }
}

/** A credential (`MUNGE:…:`) whose payload is `payload`, from the munged at `socketPath`. */
export async function mungeCredential(
  payload: Buffer,
  socketPath = process.env.DROVER_MUNGE_SOCKET ?? DEFAULT_MUNGE_SOCKET,
): Promise<string> {
  const reply = parseEncodeReply(await mungeExchange(socketPath, encodeRequest(payload), MungeMsg.ENC_RSP));
  if (reply.error) {
    throw new Error(
      `munged at ${socketPath} refused a credential: ${reply.error.message} (${reply.error.name})`,
    );
  }
  return reply.credential!;
}
