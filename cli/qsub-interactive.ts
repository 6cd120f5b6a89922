// qsub -I: submit, wait for the job to start, then be its terminal, as PBS's qsub is
// (as OpenPBS's qsub): `qsub: waiting for job ID to start`, then
// `qsub: job ID ready` and the job's login shell on its first node, this terminal raw and relayed
// through the head (cli/terminal-link.ts, core/protocol/terminal.ts) until the shell exits, the
// job's walltime runs out or it is deleted: `qsub: job ID completed`, and the shell's exit status
// is qsub's. Whatever ends qsub (the job, the head going away, a signal), the terminal is put back
// as it was first.
import { spawnSync } from 'node:child_process';
import { fstatSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { JobSpec } from '../core/job-spec-types.js';
import type { ParsedOption } from '../core/pbs/getopt.js';
import { NOT_A_TERMINAL, RERUN_WARNING } from '../core/pbs/interactive.js';
import { parseW } from '../core/pbs/qsub-options.js';
import { LineDecoder } from '../core/protocol/agent-protocol.js';
import {
  type ClientFrame,
  type HeadFrame,
  interactiveExit,
  TERMINAL_INPUT_FRAME_BYTES,
  type WindowSize,
} from '../core/protocol/terminal.js';
import { api } from './client.js';
import { report } from './command.js';
import { openTerminalLink, type TerminalLink } from './terminal-link.js';

const BLOCK_WARNING =
  'qsub (Warning) : setting "block" attribute as "true" for an interactive job will not return job\'s exit status\n';

/** PBS's warnings for options an interactive job overrides (the command line's). */
function warnings(options: ParsedOption[]): string {
  let out = '';
  if (options.some((o) => o.letter === 'r' && o.value === 'y')) out += RERUN_WARNING;
  const block = options.some((o) => {
    const w = o.letter === 'W' ? parseW(o.value as string) : undefined;
    return w instanceof Map && w.get('block')?.toLowerCase() === 'true';
  });
  if (block) out += BLOCK_WARNING;
  return out;
}

/**
 * This terminal raw, as PBS's qsub sets it: no echo, no line editing, no signals from keys, and
 * output passed as it comes (the job's own terminal already turned its newlines into CR LF; libuv's
 * raw mode keeps ONLCR, which `stty -onlcr` takes off). Leaving raw mode (setRawMode(false))
 * restores the modes libuv saved on entering it, ONLCR included.
 */
function rawTerminal(): void {
  process.stdin.setRawMode(true);
  const input = fstatSync(0);
  const output = fstatSync(1);
  if (input.dev === output.dev && input.ino === output.ino)
    spawnSync('stty', ['-onlcr'], { stdio: ['inherit', 'ignore', 'ignore'] });
}

/** This terminal's size (80x24 when it does not say). */
function windowOf(): WindowSize {
  return { rows: process.stdout.rows || 24, cols: process.stdout.columns || 80 };
}

/**
 * Submit the interactive job `spec` and be its terminal; resolves with qsub's exit status. Like
 * PBS's qsub, refuses to start without a terminal on stdin and stdout.
 */
export async function submitInteractive(spec: JobSpec, options: ParsedOption[]): Promise<number> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    process.stderr.write(NOT_A_TERMINAL);
    return 1;
  }
  process.stderr.write(warnings(options));
  const reply = await api<{ id: string }>('POST', '/v1/jobs', { spec });
  if (!reply.ok) return report('qsub', reply.error);
  return new InteractiveSession(reply.body.id).run();
}

class InteractiveSession {
  private link: TerminalLink | undefined;
  private ready = false;
  private finished = false;
  private asking = false;
  private interruptedAgain = false;
  /** stdin is not read until the head's connection has sent what waits for it */
  private inputHeld = false;
  private settle!: (code: number) => void;
  /** listeners to remove when qsub ends, and those of the wait (until the job starts) */
  private readonly cleanups: (() => void)[] = [];
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly id: string) {}

  async run(): Promise<number> {
    const done = new Promise<number>((resolve) => {
      this.settle = resolve;
    });
    // whatever happens, the terminal is given back as it was
    this.on(process, 'exit', () => this.restore());
    process.stdout.write(`qsub: waiting for job ${this.id} to start\n`);
    this.whileWaiting();
    try {
      this.link = await openTerminalLink(this.id, windowOf());
    } catch (e) {
      // no terminal for the job: it would wait for one in vain
      this.finished = true;
      this.end(1);
      await api('POST', '/v1/jobs/delete', { operands: [this.id] }).catch(() => undefined);
      throw e;
    }
    this.listen(this.link);
    return done;
  }

  /** Before the job starts: ^C asks whether to delete the job; ^Z is refused (PBS). */
  private whileWaiting(): void {
    const on = (signal: NodeJS.Signals, handler: () => void) => {
      process.on(signal, handler);
      this.waiting.push(() => process.off(signal, handler));
    };
    on('SIGINT', () => void this.askToQuit());
    on('SIGTERM', () => void this.askToQuit());
    on('SIGTSTP', () => process.stdout.write('Sorry, you cannot suspend qsub until the job is started\n'));
  }

  private async askToQuit(): Promise<void> {
    // a ^C while the question is asked asks it again once it is answered (PBS's handler runs
    // with the signal blocked, and the blocked signal is delivered then)
    if (this.asking) this.interruptedAgain = true;
    if (this.asking || this.ready) return;
    this.asking = true;
    do {
      this.interruptedAgain = false;
      process.stdout.write('Do you wish to terminate the job and exit (y|[n])? ');
      for (;;) {
        const answer = await this.line();
        if (this.ready || this.finished) return;
        if (answer === undefined || /^[yY]/.test(answer)) return this.bailOut();
        if (/^([nN]|\s*$)/.test(answer)) break;
        process.stdout.write('yes or no please\n');
      }
    } while (this.interruptedAgain);
    this.asking = false;
  }

  /** One line typed on stdin (the terminal is not raw yet); undefined at its end, or when the job
   * starts meanwhile (the terminal's input is the job's from then on). */
  private line(): Promise<string | undefined> {
    return new Promise((resolve) => {
      const stop = () => {
        process.stdin.off('data', take);
        process.stdin.off('end', take);
        const i = this.waiting.indexOf(cancel);
        if (i >= 0) this.waiting.splice(i, 1);
      };
      const take = (d?: Buffer) => {
        stop();
        process.stdin.pause();
        resolve(d?.toString('utf8'));
      };
      const cancel = () => {
        stop();
        resolve(undefined);
      };
      this.waiting.push(cancel);
      process.stdin.on('data', take);
      process.stdin.on('end', take);
      process.stdin.resume();
    });
  }

  /** PBS's bailout(): the job is deleted and qsub ends. */
  private async bailOut(): Promise<void> {
    process.stdout.write(`Job ${this.id} is being deleted\n`);
    this.finished = true;
    this.link?.socket.destroy();
    const r = await api('POST', '/v1/jobs/delete', { operands: [this.id] }).catch(() => undefined);
    this.end(r?.ok ? 0 : 1);
  }

  private listen(link: TerminalLink): void {
    const decoder = new LineDecoder<HeadFrame>();
    const frames = (chunk: Buffer) => {
      let got: HeadFrame[];
      try {
        got = decoder.push(chunk.toString('utf8'));
      } catch {
        return link.socket.destroy();
      }
      for (const frame of got) this.frame(frame);
    };
    link.socket.setKeepAlive(true, 30_000);
    link.socket.on('data', frames);
    link.socket.on('error', () => {});
    link.socket.on('close', () => this.lost());
    if (link.rest.length > 0) frames(link.rest);
  }

  private frame(frame: HeadFrame): void {
    if (frame.t === 'ready') this.started();
    else if (frame.t === 'out') process.stdout.write(Buffer.from(frame.data, 'base64'));
    else if (frame.t === 'end') this.ended(frame.status);
  }

  /** The job's shell runs: this terminal becomes its terminal. */
  private started(): void {
    if (this.ready || this.finished) return;
    this.ready = true;
    for (const undo of this.waiting.splice(0)) undo();
    // a signal from outside ends qsub (and so hangs the job's terminal up)
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
      this.on(process, signal, () =>
        this.end(128 + (signal === 'SIGHUP' ? 1 : signal === 'SIGINT' ? 2 : 15)),
      );
    process.stdout.write(`qsub: job ${this.id} ready\n\n`);
    rawTerminal();
    this.on(process.stdin, 'data', (d: Buffer) => this.input(d));
    process.stdin.resume();
    this.on(process.stdout, 'resize', () => this.send({ t: 'size', ...windowOf() }));
    this.send({ t: 'size', ...windowOf() });
  }

  private ended(status: number | undefined): void {
    if (this.finished) return;
    this.finished = true;
    this.restore();
    if (!this.ready) {
      process.stderr.write(`qsub: job ${this.id} apparently deleted\n`);
      this.end(1);
      return;
    }
    process.stdout.write(`\nqsub: job ${this.id} completed\n`);
    this.end(status === undefined ? 1 : interactiveExit(status));
  }

  /** The head's connection closed before the job's end was told. */
  private lost(): void {
    if (this.finished) return;
    this.finished = true;
    this.restore();
    const server = this.link?.server ?? 'localhost';
    process.stderr.write(
      `\nqsub: lost the connection to server ${server}: job ${this.id} ${this.ready ? 'loses its terminal' : 'is left without its terminal'}\n`,
    );
    this.end(1);
  }

  /** What was typed, in frames of at most TERMINAL_INPUT_FRAME_BYTES (the head takes no more);
   * stdin waits while the head's connection is behind (the head stops reading it while the job's
   * terminal is behind). */
  private input(d: Buffer): void {
    let behind = false;
    for (let at = 0; at < d.length; at += TERMINAL_INPUT_FRAME_BYTES) {
      const data = d.subarray(at, at + TERMINAL_INPUT_FRAME_BYTES).toString('base64');
      behind = !this.send({ t: 'in', data }) || behind;
    }
    const socket = this.link?.socket;
    if (!behind || this.inputHeld || !socket || socket.destroyed) return;
    this.inputHeld = true;
    process.stdin.pause();
    socket.once('drain', () => {
      this.inputHeld = false;
      if (!this.finished) process.stdin.resume();
    });
  }

  /** false: the connection holds the frame until it has sent what came before */
  private send(frame: ClientFrame): boolean {
    const socket: Socket | undefined = this.link?.socket;
    if (!socket || socket.destroyed) return true;
    return socket.write(`${JSON.stringify(frame)}\n`);
  }

  private end(code: number): void {
    this.restore();
    for (const undo of [...this.waiting.splice(0), ...this.cleanups.splice(0)]) undo();
    process.stdin.pause();
    this.link?.socket.destroy();
    this.settle(code);
  }

  /** The terminal as it was: cooked, echoing. */
  private restore(): void {
    if (process.stdin.isTTY && process.stdin.isRaw) process.stdin.setRawMode(false);
  }

  private on<A extends unknown[]>(
    target: NodeJS.EventEmitter,
    event: string | symbol,
    handler: (...args: A) => void,
  ): void {
    target.on(event, handler as (...args: unknown[]) => void);
    this.cleanups.push(() => target.off(event, handler as (...args: unknown[]) => void));
  }
}
