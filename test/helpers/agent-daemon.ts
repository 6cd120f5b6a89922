// A real agent daemon (dist/cli/drover.js agent, started detached as the head starts it) on a temp
// state directory, and a test's own head end of a connection to its socket. Stopped by PID.
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import {
  type AgentMessage,
  encode,
  type HeadMessage,
  LineDecoder,
  PROTOCOL_VERSION,
} from '../../core/protocol/agent-protocol.js';
import { agentPaths, connectSocket, startDaemon } from '../../platform/agent-launcher.js';
import { prepareAgentDir, ROOT, waitUntil } from './head.js';

/** The command that starts the agent of `stateDir` (quick kills, quiet usage reports). */
export function agentCommand(stateDir: string): string[] {
  return [
    process.execPath,
    join(ROOT, 'dist', 'cli', 'drover.js'),
    'agent',
    '--state-dir',
    stateDir,
    '--kill-delay',
    '1',
    '--usage-interval',
    '60',
    '--tmpdir',
    join(stateDir, 'tmp'),
  ];
}

/** Start the agent of `stateDir` (prepared as a test node's, jobs' TMPDIRs in it); its PID. */
export async function startAgentDaemon(stateDir: string): Promise<number> {
  prepareAgentDir(stateDir);
  const tmp = join(stateDir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  chmodSync(tmp, 0o1777);
  await startDaemon(stateDir, agentCommand(stateDir));
  return Number(readFileSync(agentPaths(stateDir).pid, 'utf8').trim());
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Send `signal` to the agent and wait until it is gone. */
export async function stopAgentDaemon(pid: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, signal);
  await waitUntil(() => (alive(pid) ? undefined : true), 15_000, `agent ${pid} to end`);
}

/** A connection to the agent's socket, played by the test as a head. */
export class HeadEnd {
  readonly received: AgentMessage[] = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    const decoder = new LineDecoder<AgentMessage>();
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.received.push(...decoder.push(chunk)));
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
    });
  }

  static async open(stateDir: string): Promise<HeadEnd> {
    return new HeadEnd(await connectSocket(agentPaths(stateDir).socket));
  }

  send(m: HeadMessage): void {
    this.socket.write(encode(m));
  }

  hello(epoch?: number): void {
    this.send({ t: 'hello', version: PROTOCOL_VERSION, ...(epoch === undefined ? {} : { epoch }) });
  }

  /** The first message received that `pick` accepts (waiting for it). */
  async next<T>(pick: (m: AgentMessage) => T | undefined, what: string, ms = 10_000): Promise<T> {
    return waitUntil(
      () => {
        for (const m of this.received) {
          const v = pick(m);
          if (v !== undefined) return v;
        }
        return undefined;
      },
      ms,
      what,
    );
  }

  async untilClosed(ms = 5000): Promise<void> {
    await waitUntil(() => (this.closed ? true : undefined), ms, 'the agent to close the connection');
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The journal's lines (facts and acknowledgements) as the agent wrote them. */
export function journalLines(stateDir: string): Record<string, unknown>[] {
  const file = join(stateDir, 'journal.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
