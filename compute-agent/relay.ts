// `drover agent --connect`: what the head runs over SSH. It makes sure the node's agent daemon
// runs, then relays stdin/stdout to its socket. The relay ends with the SSH channel; the daemon
// and its jobs do not.
import { openAgent } from './launcher.js';

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
