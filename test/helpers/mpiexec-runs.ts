// drover mpiexec outside a job as the tests start it (node dist/cli/drover.js mpiexec …, every rank
// on this machine): in an environment without PBS_ or DROVER_ variables, with TMPDIR set to the
// test's directory; its output, its exit, and lines to wait for. Every launcher started is stopped
// by PID in `stop` (the launcher ends its ranks).
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, stopPid } from './head.js';

const DROVER = join(ROOT, 'dist/cli/drover.js');

export interface MpiexecResult {
  code: number | null;
  out: string;
  err: string;
}

export interface MpiexecRun {
  child: ChildProcess;
  done: Promise<MpiexecResult>;
  /** Resolves with the matches once stdout has `n` lines matching `re`. */
  lines(re: RegExp, n: number): Promise<RegExpExecArray[]>;
}

export class MpiexecRuns {
  private readonly started: ChildProcess[] = [];

  /** `work` becomes the launcher's TMPDIR (where it makes its private directory) and cwd. */
  constructor(private readonly work: string) {}

  /** The environment of a shell outside any job, plus `extra`. */
  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: this.work };
    for (const k of Object.keys(env)) if (k.startsWith('PBS_') || k.startsWith('DROVER_')) delete env[k];
    return { ...env, ...extra };
  }

  start(args: string[], extraEnv: NodeJS.ProcessEnv = {}): MpiexecRun {
    const child = spawn(process.execPath, [DROVER, 'mpiexec', ...args], {
      env: this.env(extraEnv),
      cwd: this.work,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.started.push(child);
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    const done = new Promise<MpiexecResult>((resolve) =>
      child.on('close', (code) => resolve({ code, out, err })),
    );
    const lines = (re: RegExp, n: number) =>
      new Promise<RegExpExecArray[]>((resolve, reject) => {
        const look = () => {
          const found = out
            .split('\n')
            .map((l) => re.exec(l))
            .filter((m): m is RegExpExecArray => m !== null);
          if (found.length < n) return;
          child.stdout!.off('data', look);
          resolve(found);
        };
        child.stdout!.on('data', look);
        child.once('close', () =>
          reject(new Error(`the run ended before ${n} lines matched ${re}:\n${out}${err}`)),
        );
        look();
      });
    return { child, done, lines };
  }

  /** Stop every launcher still running, by PID. */
  async stop(): Promise<void> {
    for (const c of this.started)
      if (c.pid && c.exitCode === null && c.signalCode === null) await stopPid(c.pid);
  }
}
