// qsub -I's way to its job's terminal: `GET /v1/jobs/:id/terminal?rows=R&cols=C` with `Upgrade:
// drover-terminal` on the listener the commands use. The request is identified as every other one
// on that listener (the kernel's peer credentials on head.sock, a MUNGE credential made for exactly
// this request over TCP), refused by a head that is not the primary, and then the connection is
// handed to the terminals (head/agent-link/terminals.ts), which check that the job is the
// requester's own. A refusal is an ordinary HTTP reply with the API's JSON error.
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { httpStatus, type Refusal, type Result } from '../../core/errors.js';
import { type Identity, roleOf } from '../../core/policy/permissions.js';
import { TERMINAL_UPGRADE, windowSize } from '../../core/protocol/terminal.js';
import type { Terminals } from '../agent-link/terminals.js';
import type { Operations } from '../jobs/operations.js';
import { refusal } from './replies.js';
import { type HeadRole, notPrimary } from './role-gate.js';

/** What the listener's app knows (head/api/app.ts's AppDeps): who asks, whether it is the primary. */
export interface TerminalDeps {
  identify: (req: {
    socket: Socket;
    method: string;
    url: string;
    headers: IncomingMessage['headers'];
    rawBody: Buffer;
  }) => Promise<Result<Identity>>;
  role?: () => HeadRole;
  ops: Pick<Operations, 'admin' | 'control'>;
  headUid: number;
}

const PATH = /^\/v1\/jobs\/([^/]+)\/terminal$/;

/** qsub's terminals on this app's listener; they close when the app does. */
export function acceptTerminals(app: FastifyInstance, deps: TerminalDeps, terminals: Terminals): void {
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {});
    upgrade(deps, terminals, req, socket as Socket, head).catch((e) => {
      terminals.failed(e);
      socket.destroy();
    });
  });
  app.addHook('preClose', async () => terminals.closeAll());
}

async function upgrade(
  deps: TerminalDeps,
  terminals: Terminals,
  req: IncomingMessage,
  socket: Socket,
  head: Buffer,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://head');
  const path = PATH.exec(url.pathname);
  if (!path || req.method !== 'GET' || req.headers.upgrade?.toLowerCase() !== TERMINAL_UPGRADE)
    return answer(socket, 404, refusal({ code: 'NOT_FOUND', message: `no such upgrade: ${url.pathname}` }));
  const role = deps.role?.();
  if (role && !role.primary) return answer(socket, httpStatus('NOT_PRIMARY'), notPrimary(role.primaryAt));
  const who = await deps.identify({
    socket,
    method: req.method,
    url: req.url ?? '/',
    headers: req.headers,
    rawBody: Buffer.alloc(0),
  });
  if (!who.ok) return refused(socket, who.error);
  const requester = { ...who.value, role: roleOf(who.value, deps.ops.admin.settings(), deps.headUid) };
  const job = terminals.check(decodeURIComponent(path[1]!), requester);
  if (!job.ok) return refused(socket, job.error);
  const params = url.searchParams;
  const size = windowSize(Number(params.get('rows')), Number(params.get('cols'))) ?? { rows: 24, cols: 80 };
  const id = job.value.id;
  terminals.open(job.value, socket, head, size, () => deps.ops.control.delete([id], requester));
}

function refused(socket: Socket, error: Refusal): void {
  answer(socket, httpStatus(error.code), refusal(error));
}

function answer(socket: Socket, status: number, body: object): void {
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
  );
}
