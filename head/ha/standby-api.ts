// What a head that is not the primary answers on its API listeners (head.sock and --listen):
// `GET /v1/ha/status` as any head does, and to everything else the coded refusal "not primary"
// with where the primary's API is, so that a command moves on to it (cli/client.ts).
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { HaStatus } from '../../core/protocol/ha-status.js';
import { notPrimary } from '../api/role-gate.js';
import { splitHostPort } from '../listeners.js';

function answer(status: () => HaStatus, req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  const s = status();
  const json = (code: number, body: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.method === 'GET' && req.url?.split('?')[0] === '/v1/ha/status') json(200, s);
  else json(503, notPrimary(s.primaryApi ?? undefined));
}

/** Listen on the head's socket and TCP address until close(). */
export async function openStandbyApi(
  socket: string,
  listen: string | undefined,
  status: () => HaStatus,
): Promise<{ close(): Promise<void> }> {
  const servers: Server[] = [];
  const serve = () => {
    const server = createServer((req, res) => answer(status, req, res));
    servers.push(server);
    return server;
  };
  rmSync(socket, { force: true });
  await new Promise<void>((res, rej) => serve().once('error', rej).listen(socket, res));
  chmodSync(socket, 0o666);
  if (listen) {
    const [host, port] = splitHostPort(listen);
    await new Promise<void>((res, rej) => serve().once('error', rej).listen(port, host, res));
  }
  return {
    close: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((res) => {
              s.close(() => res());
              s.closeAllConnections();
            }),
        ),
      );
      rmSync(socket, { force: true });
    },
  };
}
