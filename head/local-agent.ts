// The embedded local node: an agent daemon on this machine, started detached so that it
// outlives the head, reached through its Unix socket.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { agentPaths } from '../compute-agent/daemon.js';
import type { Transport } from './node-link.js';

export interface LocalAgentOptions {
  stateDir: string;
  /** the program and arguments that start `drover agent` */
  command: string[];
}

function connectSocket(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

export class LocalAgentTransport implements Transport {
  constructor(private readonly opts: LocalAgentOptions) {}

  describe(): string {
    return agentPaths(this.opts.stateDir).socket;
  }

  async open(): Promise<Duplex> {
    const { socket } = agentPaths(this.opts.stateDir);
    try {
      return await connectSocket(socket);
    } catch {
      await this.startAgent();
      return connectSocket(socket);
    }
  }

  /**
   * Start the daemon detached; it reports on an inherited pipe (fd 3) once it listens, or that
   * another agent already holds the state directory.
   */
  private startAgent(): Promise<void> {
    mkdirSync(this.opts.stateDir, { recursive: true, mode: 0o755 });
    const log = openSync(agentPaths(this.opts.stateDir).log, 'a');
    const [program, ...args] = this.opts.command;
    const child = spawn(program!, [...args, '--ready-fd', '3'], {
      detached: true,
      stdio: ['ignore', log, log, 'pipe'],
    });
    child.unref();
    const ready = child.stdio[3] as Duplex;
    return new Promise((resolve, reject) => {
      let said = '';
      ready.setEncoding('utf8');
      ready.on('data', (d: string) => {
        said += d;
      });
      ready.on('error', () => {});
      ready.on('close', () => {
        ready.destroy();
        if (said.startsWith('ready') || said.startsWith('running')) resolve();
        else reject(new Error('agent did not start; see its log'));
      });
    });
  }
}
