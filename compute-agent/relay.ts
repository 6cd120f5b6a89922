// What the head runs over SSH on a remote node. `--ensure` makes sure the node's agent daemon
// runs and prints the absolute path of its socket, to which the head then forwards a stream
// (direct-streamlocal, no process in between). `--connect` is the fallback where the sshd
// forbids stream forwarding: it relays stdin/stdout to the socket. Either ends with the SSH
// channel; the daemon and its jobs do not.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { agentPaths, openAgent, startDaemon } from '../platform/agent-launcher.js';
import { lockHolder } from './pidlock.js';

export async function ensureAgent(stateDir: string, daemonCommand: string[]): Promise<number> {
  const paths = agentPaths(resolve(stateDir));
  try {
    if (lockHolder(paths.pid) === undefined || !existsSync(paths.socket))
      await startDaemon(stateDir, daemonCommand);
  } catch (e) {
    process.stderr.write(`drover agent: ${(e as Error).message}\n`);
    return 1;
  }
  process.stdout.write(`ready ${paths.socket}\n`);
  return 0;
}

export async function runRelay(stateDir: string, daemonCommand: string[]): Promise<number> {
  let socket: Awaited<ReturnType<typeof openAgent>>;
  try {
    socket = await openAgent(stateDir, daemonCommand);
  } catch (e) {
    process.stderr.write(`drover agent: ${(e as Error).message}\n`);
    return 1;
  }
  process.stdin.pipe(socket);
  socket.pipe(process.stdout);
  return new Promise((resolve) => {
    const done = () => {
      socket.destroy();
      resolve(0);
    };
    process.stdin.once('end', done);
    process.stdin.once('close', done);
    socket.once('close', done);
    socket.once('error', done);
  });
}
