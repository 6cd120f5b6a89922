// Reach a node's agent daemon through its Unix socket, starting the daemon first (detached, so
// that it outlives whoever started it) when nothing listens. Used by the head for the local node
// and by `drover agent --connect`, the relay the head runs over SSH on remote nodes.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';

export function agentPaths(stateDir: string) {
  return {
    socket: join(stateDir, 'agent.sock'),
    pid: join(stateDir, 'agent.pid'),
    log: join(stateDir, 'agent.log'),
  };
}

export function connectSocket(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * Start the daemon detached; it reports on an inherited pipe (fd 3) once it listens, or that
 * another agent already holds the state directory (the pid lock makes this idempotent).
 */
export function startDaemon(stateDir: string, command: string[]): Promise<void> {
  mkdirSync(stateDir, { recursive: true, mode: 0o755 });
  const log = openSync(agentPaths(stateDir).log, 'a');
  const [program, ...args] = command;
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
      else reject(new Error(`agent did not start; see ${agentPaths(stateDir).log}`));
    });
  });
}

/** A stream to the agent of `stateDir`, starting it with `command` when it is not running. */
export async function openAgent(stateDir: string, command: string[]): Promise<Socket> {
  const { socket } = agentPaths(stateDir);
  try {
    return await connectSocket(socket);
  } catch {
    await startDaemon(stateDir, command);
    return connectSocket(socket);
  }
}
