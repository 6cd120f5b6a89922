// The head's API listeners: head.sock for local users (the kernel says who connects) and,
// with --listen, TCP (MUNGE says who sends each request).
import { chmodSync, chownSync, rmSync } from 'node:fs';
import { DEFAULT_MUNGE_SOCKET } from '../core/protocol/munge-wire.js';
import { groupByName } from '../native/native.js';
import { type AppDeps, buildApp, type Identify } from './api/app.js';
import { mungeIdentify } from './auth/munge.js';
import { ownerIdentify, peerIdentify } from './auth/peer.js';
import type { HeadOptions } from './head-options.js';
import { buildWebApp, type WebAppOptions } from './web/web-app.js';

export type Peer = Parameters<typeof ownerIdentify>[0];

/** How the TCP listener identifies requests, or why it may not be opened. */
export function tcpIdentify(opts: HeadOptions, peer: Peer): Identify | string {
  const auth = opts.auth ?? 'munge';
  if (auth === 'munge') return mungeIdentify({ socketPath: opts.mungeSocket ?? DEFAULT_MUNGE_SOCKET });
  if (peer.headUid === 0)
    return 'a head running as root refuses --listen without authentication (use --auth munge)';
  return ownerIdentify(peer);
}

/** head.sock is open to every local user (or one group): who connects is the kernel's answer. */
function openSocketToUsers(socket: string, group: string | undefined): void {
  if (group === undefined) {
    chmodSync(socket, 0o666);
    return;
  }
  const gid = groupByName(group);
  if (gid === undefined) throw new Error(`--socket-group: no group ${group}`);
  chownSync(socket, process.getuid?.() ?? 0, gid);
  chmodSync(socket, 0o660);
}

/** The apps listening (head.sock, TCP with --listen, the web view with --web-listen), to close at shutdown. */
export async function openListeners(
  deps: Omit<AppDeps, 'identify'>,
  socket: string,
  peer: Peer,
  tcp: Identify | undefined,
  opts: HeadOptions,
  web?: Omit<WebAppOptions, 'otherwise'>,
): Promise<{ close: () => Promise<void> }> {
  const app = buildApp({ ...deps, identify: peerIdentify(peer) });
  rmSync(socket, { force: true });
  await app.listen({ path: socket });
  openSocketToUsers(socket, opts.socketGroup);
  const apps = [app];
  // fastify listens once per instance: TCP gets its own app over the same operations
  if (tcp && opts.listen) {
    const tcpApp =
      web && opts.web ? buildWebApp(deps, { ...web, otherwise: tcp }) : buildApp({ ...deps, identify: tcp });
    apps.push(tcpApp);
    const [host, port] = splitHostPort(opts.listen);
    await tcpApp.listen({ host, port });
  }
  if (web && opts.webListen) {
    const webApp = buildWebApp(deps, web);
    apps.push(webApp);
    const [host, port] = splitHostPort(opts.webListen, '--web-listen');
    await webApp.listen({ host, port });
  }
  return {
    close: async () => {
      for (const a of apps) await a.close();
    },
  };
}

/** `--listen HOST:PORT` (or another flag's) as its parts; throws when it is not one. */
export function splitHostPort(s: string, flag = '--listen'): [string, number] {
  const i = s.lastIndexOf(':');
  const port = Number(s.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`${flag} wants HOST:PORT, got ${s}`);
  }
  return [s.slice(0, i), port];
}
