// What bench/mpi.ts's three sides share: running a peer program to its end (stopped by PID when
// it overruns), the figures every side prints (`latency_us 12.3` lines, bench/mpi/pingpong.c's
// format, also spoken by bench/mpi-rank.ts), the best of several runs, and the raw Node floor.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../test/helpers/head.js';

export interface Figures {
  /** one way, half a round trip of 8 B, µs */
  latencyUs?: number;
  /** 1 MiB messages streamed, 10^6 B/s */
  bandwidthMBps?: number;
  /** one allreduce of 1 M doubles (SUM) into a reused result array, ms */
  allreduceMs?: number;
  /** the same with a new result array per call (Drover only), ms */
  allreduceNewMs?: number;
  /** the allreduce's last element, the same on every side for one rank count */
  allreduceCheck?: number;
}

/** How much each run measures (the same for every side). */
export interface Sizes {
  iterations: number;
  messages: number;
  repeats: number;
}

export function which(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return join(dir, cmd);
    } catch {}
  }
  return undefined;
}

const running = new Set<ChildProcess>();

/** Stop every peer still running (by PID); for process exit. */
export function stopRunning(): void {
  for (const c of running) if (c.exitCode === null && c.signalCode === null) process.kill(c.pid!, 'SIGTERM');
}

/** Start a peer that keeps running (a server); stopRunning ends it. */
export function startPeer(cmd: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  running.add(child);
  child.on('exit', () => running.delete(child));
  return child;
}

export interface RunResult {
  code: number | null;
  out: string;
  err: string;
}

/** Run to the end; SIGTERM (then SIGKILL) by PID after `timeoutMs`. */
export function runPeer(
  cmd: string,
  args: string[],
  timeoutMs: number,
  env?: NodeJS.ProcessEnv,
): Promise<RunResult> {
  const child = startPeer(cmd, args, env);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d;
  });
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d).slice(-4000);
  });
  const timer = setTimeout(() => {
    err += `\n(stopped after ${timeoutMs / 1000} s)`;
    process.kill(child.pid!, 'SIGTERM');
    setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), 3000).unref();
  }, timeoutMs);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/** The figures in a run's output; lines may carry a prefix (a rank tag). */
export function parseFigures(out: string): Figures {
  const value = (name: string) => {
    const m = new RegExp(`(?:^|\\s)${name} ([\\d.eE+-]+)\\s*$`, 'm').exec(out);
    return m ? Number(m[1]) : undefined;
  };
  return {
    latencyUs: value('latency_us'),
    bandwidthMBps: value('bandwidth_MBps'),
    allreduceMs: value('allreduce_ms'),
    allreduceCheck: value('allreduce_check'),
    allreduceNewMs: value('allreduce_new_ms'),
  };
}

/** The best of two runs' figures: the lower times, the higher bandwidth. */
export function best(a: Figures | undefined, b: Figures): Figures {
  if (!a) return b;
  const low = (x?: number, y?: number) => (x === undefined ? y : y === undefined ? x : Math.min(x, y));
  const high = (x?: number, y?: number) => (x === undefined ? y : y === undefined ? x : Math.max(x, y));
  return {
    latencyUs: low(a.latencyUs, b.latencyUs),
    bandwidthMBps: high(a.bandwidthMBps, b.bandwidthMBps),
    allreduceMs: low(a.allreduceMs, b.allreduceMs),
    allreduceCheck: b.allreduceCheck,
    allreduceNewMs: low(a.allreduceNewMs, b.allreduceNewMs),
  };
}

/** One line of `why` from a failed run, for the output. */
export function failure(what: string, r: RunResult): string {
  const last = `${r.err}\n${r.out}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-3)
    .join(' | ');
  return `${what} failed (exit ${r.code}): ${last.slice(0, 400)}`;
}

/** The floor: bench/mpi-raw.ts's server and client, two processes over `address` (from `local`). */
export async function runRaw(
  address: string,
  local: string | undefined,
  sizes: Sizes,
): Promise<Figures | string> {
  const program = join(ROOT, 'dist/bench/mpi-raw.js');
  const server = startPeer(process.execPath, [program, 'server', address]);
  const first = await Promise.race([once(server.stdout!, 'data'), once(server, 'exit')]);
  if (!(first[0] instanceof Buffer)) return `raw Node server on ${address} exited before it listened`;
  const ready = JSON.parse(first[0].toString()).ready as string;
  const args = [program, 'client', ready, ...(local ? [local] : [])];
  const r = await runPeer(
    process.execPath,
    [...args, String(sizes.iterations), String(sizes.messages)],
    60_000,
  );
  process.kill(server.pid!, 'SIGTERM');
  if (r.code !== 0) return failure('raw Node client', r);
  return JSON.parse(r.out) as Figures;
}
