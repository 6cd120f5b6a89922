// A real `drover witness` process for the tests (dist/cli/drover.js, so `npm run build` first):
// started in a state directory of its own, its JSON log kept, stopped or killed by its PID.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './head.js';

/** A key file the witness accepts (mode 0600) in `dir`; returns its path. */
export function writeKeyFile(dir: string, secret = 'the test pair’s shared secret', name = 'ha.key'): string {
  const path = join(dir, name);
  writeFileSync(path, `${secret}\n`, { mode: 0o600 });
  return path;
}

export interface WitnessRun {
  code: number | null;
  log: string;
}

export class TestWitness {
  /** its state directory, and where its key file is */
  readonly dir = mkdtempSync(join(tmpdir(), 'drover-witness-'));
  readonly stateDir = join(this.dir, 'state');
  readonly keyFile = writeKeyFile(this.dir);
  /** HOST:PORT it listens on, once started */
  address = '';
  log = '';
  private child: ChildProcess | undefined;

  /** `host` is where it listens; `port` 0 takes any free port (a restart keeps the first one). */
  constructor(
    readonly host: string,
    private readonly leaseS = 0.5,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Start it and resolve once it logs `witness ready` (rejects with its log if it exits first). */
  async start(leaseS = this.leaseS): Promise<void> {
    const listen = this.address || `${this.host}:0`;
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'dist/cli/drover.js'),
        'witness',
        '--listen',
        listen,
        '--state-dir',
        this.stateDir,
        '--key',
        this.keyFile,
        '--lease',
        String(leaseS),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    child.stdout!.on('data', (d: Buffer) => {
      this.log += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      this.log += d.toString();
    });
    const ready = await new Promise<Record<string, unknown>>((res, rej) => {
      const onData = () => {
        const line = this.log
          .split('\n')
          .find((l) => l.includes('"witness ready"') && l.includes(`"pid":${child.pid}`));
        if (line) {
          child.stdout!.off('data', onData);
          res(JSON.parse(line));
        }
      };
      child.stdout!.on('data', onData);
      child.once('exit', (code) => rej(new Error(`witness exited with ${code}: ${this.log}`)));
    });
    this.address = ready.listen as string;
  }

  /** The log lines it has written as JSON objects (pino's). */
  entries(): Record<string, unknown>[] {
    return this.log
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
  }

  /** Whether its process still runs. */
  alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Send `sig` and wait for the exit; its code (null when killed by the signal). */
  async signal(sig: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    if (!child || !this.alive()) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill(sig);
    const code = await exited;
    this.child = undefined;
    return code;
  }

  /** Stop it and remove its directory. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Run `drover witness ARGS` to its end (for start-up refusals; killed after `timeoutMs`). */
export function runWitnessCommand(args: string[], timeoutMs = 20_000): Promise<WitnessRun> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/cli/drover.js'), 'witness', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (d: Buffer) => {
      log += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      log += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      res({ code, log });
    });
  });
}
