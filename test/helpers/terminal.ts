// A command on a real terminal, for the tests of qsub -I: a pseudo-terminal pair from the native
// addon (native/native.ts), the command started through the drover-exec launcher as the session
// leader with the slave as its controlling terminal (as a terminal emulator or sshd starts a login
// shell), optionally as another user. The test types on the master, reads what the command writes,
// resizes the window (the kernel sends SIGWINCH), and reads the terminal's modes with stty.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { constants } from 'node:os';
import { ReadStream } from 'node:tty';
import { type Account, launchArgs, launcherPath, openPty, setWindowSize } from '../../native/native.js';
import { stopPid, waitUntil } from './head.js';

export interface TerminalOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** run the command as this user */
  as?: Account;
  rows?: number;
  cols?: number;
}

export class TestTerminal {
  /** everything the command wrote, as text */
  output = '';
  readonly exited: Promise<number>;
  private readonly child: ChildProcess;
  private readonly master: number;
  private readonly slave: number;
  private readonly stream: ReadStream;
  readonly path: string;

  constructor(command: string, args: string[], opts: TerminalOptions) {
    const pair = openPty();
    this.master = pair.master;
    this.slave = pair.slave;
    this.path = pair.path;
    setWindowSize(this.master, opts.rows ?? 24, opts.cols ?? 80);
    const user = opts.as ? { uid: opts.as.uid, gid: opts.as.gid } : {};
    const argv = launchArgs({ ctty: true, ...user, cds: [opts.cwd] }, command, args);
    // the slave stays open here too: its modes can be read after the command has exited
    this.child = spawn(launcherPath(), argv, {
      env: opts.env,
      detached: true,
      stdio: [this.slave, this.slave, this.slave],
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) =>
        resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)),
      ),
    );
    this.stream = new ReadStream(this.master);
    this.stream.on('data', (d: Buffer) => {
      this.output += d.toString('utf8');
    });
    this.stream.on('error', () => {});
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  type(text: string): void {
    this.stream.write(text);
  }

  resize(rows: number, cols: number): void {
    setWindowSize(this.master, rows, cols);
  }

  /** Wait until the output (from `from` on) matches; returns the match. */
  async waitFor(pattern: RegExp, from = 0, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    try {
      return await waitUntil(
        () => this.output.slice(from).match(pattern) ?? undefined,
        timeoutMs,
        `${pattern}`,
      );
    } catch (e) {
      throw new Error(
        `${(e as Error).message} on the terminal, which shows ${JSON.stringify(this.output.slice(from))}`,
      );
    }
  }

  /** The terminal's modes now, as `stty -a` prints them. */
  modes(): string {
    return execFileSync('stty', ['-F', this.path, '-a'], { encoding: 'utf8' });
  }

  /** Stop the command if it still runs, and close the terminal. */
  async close(): Promise<void> {
    if (this.child.pid && this.child.exitCode === null && this.child.signalCode === null)
      await stopPid(this.child.pid);
    this.stream.destroy();
    closeSync(this.slave);
  }
}
