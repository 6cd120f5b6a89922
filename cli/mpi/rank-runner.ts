// The ranks on one node: started as children of this process (the launcher, outside a job or on
// the mother superior, or a node's `drover mpi-proxy`, in its process group so that the agent's
// end-of-job kill reaches them), their output passed on in whole lines, their exits reported.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MPI_ENV, type RankStart } from '../../core/protocol/mpi-wireup.js';

export interface RankEvents {
  output(universe: string, rank: number, stream: 'out' | 'err', data: string): void;
  exit(universe: string, rank: number, code: number | null, signal: string | null): void;
}

/** A line longer than this is passed on in pieces (output is never held without bound). */
const MAX_PENDING = 64 * 1024;

/** Whole lines out of a stream; the rest waits for its newline (or the end). */
export class LineBuffer {
  private rest = '';
  push(chunk: string): string {
    const text = this.rest + chunk;
    const nl = text.lastIndexOf('\n');
    if (nl < 0 && text.length <= MAX_PENDING) {
      this.rest = text;
      return '';
    }
    const cut = nl < 0 ? text.length : nl + 1;
    this.rest = text.slice(cut);
    return nl < 0 ? `${text}\n` : text.slice(0, cut);
  }
  /** What is left at the end, as a last line. */
  flush(): string {
    const rest = this.rest;
    this.rest = '';
    return rest === '' ? '' : `${rest}\n`;
  }
}

/**
 * NODE_OPTIONS that make `import … from 'drover/mpi'` work in a program anywhere on disk: this
 * installation's register hook (mpi/register-hook.ts, built into dist/mpi/) is imported first.
 */
export function nodeOptions(current: string | undefined): string | undefined {
  const hook = new URL('../../mpi/register-hook.js', import.meta.url);
  if (!existsSync(fileURLToPath(hook))) return current;
  const flag = `--import=${hook.href}`;
  return current?.trim() ? `${current} ${flag}` : flag;
}

export class RankRunner {
  private readonly children = new Map<string, ChildProcess>();
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly events: RankEvents,
    /** this node's private directory for the ranks' sockets (DROVER_MPI_DIR) */
    private readonly dir: string,
    private readonly baseEnv: NodeJS.ProcessEnv,
  ) {}

  get running(): number {
    return this.children.size;
  }

  start(argv: string[], cwd: string, ranks: RankStart[]): void {
    const workDir = existsSync(cwd) ? cwd : process.cwd();
    for (const r of ranks) this.startOne(argv, workDir, r);
  }

  private startOne(argv: string[], cwd: string, r: RankStart): void {
    const env: NodeJS.ProcessEnv = { ...this.baseEnv, ...r.env, [MPI_ENV.dir]: this.dir };
    const options = nodeOptions(env.NODE_OPTIONS);
    if (options !== undefined) env.NODE_OPTIONS = options;
    const key = `${r.universe}/${r.rank}`;
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.set(key, child);
    const out = new LineBuffer();
    const err = new LineBuffer();
    const emit = (stream: 'out' | 'err', data: string) => {
      if (data !== '') this.events.output(r.universe, r.rank, stream, data);
    };
    child.stdout!.setEncoding('utf8').on('data', (d: string) => emit('out', out.push(d)));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => emit('err', err.push(d)));
    let ended = false;
    const end = (code: number | null, signal: string | null) => {
      if (ended) return;
      ended = true;
      emit('out', out.flush());
      emit('err', err.flush());
      this.children.delete(key);
      this.events.exit(r.universe, r.rank, code, signal);
      if (this.children.size === 0) for (const w of this.idleWaiters.splice(0)) w();
    };
    child.on('error', (e) => {
      emit('err', `drover mpiexec: cannot run ${argv[0]}: ${e.message}\n`);
      end(127, null);
    });
    child.on('close', (code, signal) => end(code, signal));
  }

  /** Signal every running rank. */
  kill(signal: NodeJS.Signals): void {
    for (const child of this.children.values()) {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    }
  }

  /** SIGTERM every rank, SIGKILL those left after `graceMs`; resolves once none runs. */
  async stop(graceMs: number): Promise<void> {
    if (this.children.size === 0) return;
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    await this.idle();
    clearTimeout(timer);
  }

  idle(): Promise<void> {
    if (this.children.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
