// A real munged for end-to-end tests, run as root in the foreground with everything it uses —
// key, socket, pid, seed and log files — in a temp dir of its own; stopped by its PID.
// munged refuses a socket in a directory not searchable by all (0700 fails, 0711 works) and a key
// readable by others (0600).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopPid } from './head.js';

export const MUNGED = '/usr/sbin/munged';

export interface MungedOptions {
  /** a key file to copy (two daemons with one key accept each other's credentials); default: a new key */
  keyFile?: string;
  /** --origin: the address credentials from this daemon claim to come from */
  origin?: string;
}

function canConnect(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(socket);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export class TestMunged {
  readonly dir: string;
  readonly socket: string;
  readonly keyFile: string;
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(private readonly options: MungedOptions) {
    this.dir = mkdtempSync(join(tmpdir(), 'drover-munged-'));
    chmodSync(this.dir, 0o711);
    this.socket = join(this.dir, 'munge.socket');
    this.keyFile = join(this.dir, 'munge.key');
    if (options.keyFile) copyFileSync(options.keyFile, this.keyFile);
    else writeFileSync(this.keyFile, randomBytes(128));
    chmodSync(this.keyFile, 0o600);
  }

  static async start(options: MungedOptions = {}): Promise<TestMunged> {
    const munged = new TestMunged(options);
    try {
      await munged.run();
    } catch (err) {
      rmSync(munged.dir, { recursive: true, force: true });
      throw err;
    }
    return munged;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** what munged wrote (in the foreground it logs to stderr) */
  log(): string {
    const file = join(this.dir, 'munged.log');
    return this.output + (existsSync(file) ? readFileSync(file, 'utf8') : '');
  }

  private async run(): Promise<void> {
    const args = [
      '-F',
      `--socket=${this.socket}`,
      `--key-file=${this.keyFile}`,
      `--pid-file=${join(this.dir, 'munged.pid')}`,
      `--log-file=${join(this.dir, 'munged.log')}`,
      `--seed-file=${join(this.dir, 'munged.seed')}`,
      ...(this.options.origin ? [`--origin=${this.options.origin}`] : []),
    ];
    const child = spawn(MUNGED, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let exited: string | undefined;
    child.once('exit', (code, signal) => {
      exited = `munged exited (${code ?? signal})`;
    });
    child.once('error', (err) => {
      exited = `cannot start ${MUNGED}: ${err.message}`;
    });
    const collect = (d: Buffer) => {
      this.output += d.toString();
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(this.socket))) {
      if (exited || Date.now() > deadline) {
        if (!exited) await this.stopProcess();
        throw new Error(`${exited ?? 'munged did not open its socket in 10 s'}:\n${this.log()}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async stopProcess(): Promise<void> {
    const pid = this.child?.pid;
    this.child = undefined;
    if (pid) await stopPid(pid);
  }

  /** Stop and start again with the same key (munged forgets the credentials it has decoded). */
  async restart(): Promise<void> {
    await this.stopProcess();
    await this.run();
  }

  async stop(): Promise<void> {
    await this.stopProcess();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
