// The terminal of an interactive job (`qsub -I`) on its node, as PBS's MoM gives one: the job's
// shell runs as a login shell on a pseudo-terminal (the slave its controlling terminal, owned by the
// job's user), and the master's bytes travel to qsub and back through the head's link
// (core/protocol/terminal.ts). The launcher holds the shell back until qsub is there (the head
// sends `pty-attach`, with qsub's window size); a terminal that nobody attaches in
// TERMINAL_GRACE_MS, or that stays detached as long after the head's link was lost, ends: the
// launcher is never released (the attempt fails to start), or the terminal is hung up.
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { closeSync, fchmodSync, fchownSync } from 'node:fs';
import { basename } from 'node:path';
import type { Writable } from 'node:stream';
import { ReadStream } from 'node:tty';
import type { AgentMessage, RunRequest } from '../core/protocol/agent-protocol.js';
import { TERMINAL_GRACE_MS, TERMINAL_WINDOW_BYTES, type WindowSize } from '../core/protocol/terminal.js';
import { shellQuote } from '../core/shell-words.js';
import { type Account, groupByName, openPty, type PtyPair, setWindowSize } from '../native/native.js';

/** The launcher's descriptor it waits on before it execs the job's shell (native/drover-exec.c). */
export const RELEASE_FD = 4;

/** How long an attempt that exited may take to hand over its terminal's last output. */
const DRAIN_MS = 200;

type State = 'waiting' | 'attached' | 'detached' | 'closed';

/** The C0 and C1 control characters (and DEL) but tab and newline: qmsg's text shows none of them. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters removed
const NOT_PRINTED = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** The terminal each launcher runs on, for its exit (compute-agent/job-launch.ts, onExit). */
const terminalOf = new WeakMap<ChildProcess, Terminal>();

/** Once the launcher has exited: its terminal has handed over its last output (at once without one). */
export function terminalFinished(child: ChildProcess): Promise<void> | undefined {
  return terminalOf.get(child)?.finish();
}

export class Terminal {
  private readonly pair: PtyPair;
  private stream: ReadStream | undefined;
  private release: Writable | undefined;
  private state: State = 'waiting';
  /** output sent and not yet acknowledged */
  private unacked = 0;
  private grace: NodeJS.Timeout | undefined;
  private attachedWhenClosed = false;
  private readonly closed: Promise<void>;
  private markClosed!: () => void;

  constructor(
    private readonly link: Terminals,
    readonly jobId: string,
    readonly attempt: number,
    account: Account,
  ) {
    this.closed = new Promise((resolve) => {
      this.markClosed = resolve;
    });
    this.pair = openPty();
    try {
      // the user's terminal, as login(1) leaves it: theirs, writable by the tty group (write, wall)
      if (process.getuid?.() === 0) {
        fchownSync(this.pair.slave, account.uid, groupByName('tty') ?? account.gid);
        fchmodSync(this.pair.slave, 0o620);
      }
    } catch (e) {
      closeSync(this.pair.slave);
      closeSync(this.pair.master);
      throw e;
    }
  }

  /** The launcher's stdio: the slave three times, its error pipe, the pipe that releases it. */
  stdio(): SpawnOptions['stdio'] {
    return [this.pair.slave, this.pair.slave, this.pair.slave, 'pipe', 'pipe'];
  }

  /** The launcher runs (or failed to spawn): the master is read from now, the slave is its alone. */
  spawned(child: ChildProcess): void {
    terminalOf.set(child, this);
    child.once('error', () => this.hangup()); // no launcher: nothing will ever exit on it
    closeSync(this.pair.slave);
    this.release = (child.stdio[RELEASE_FD] as Writable | null) ?? undefined;
    this.release?.on('error', () => {}); // a launcher that failed has closed its end
    const stream = new ReadStream(this.pair.master);
    this.stream = stream;
    stream.on('data', (chunk: Buffer) => this.output(chunk));
    stream.on('error', () => this.ended()); // EIO: every holder of the slave has closed it
    stream.on('end', () => this.ended());
    stream.on('close', () => this.ended());
    stream.pause();
    this.startGrace(() => this.release?.end()); // never released: the launcher fails
    this.link.send({ t: 'pty-ready', jobId: this.jobId, attempt: this.attempt });
  }

  /** The launcher could not be spawned: the pair is closed again. */
  abandon(): void {
    closeSync(this.pair.slave);
    closeSync(this.pair.master);
    this.ended();
  }

  /** qsub is there: the terminal gets its size, the shell starts (or goes on), output flows. */
  attach(size: WindowSize): void {
    if (this.state === 'closed') return;
    this.resize(size);
    this.clearGrace();
    if (this.state === 'waiting') this.release?.end('g');
    this.state = 'attached';
    this.unacked = 0;
    this.stream?.resume();
    this.link.send({ t: 'pty-attached', jobId: this.jobId, attempt: this.attempt });
  }

  /** qsub's keys on the terminal, acknowledged to the head once the master has taken them (the
   * head holds qsub's input back meanwhile past TERMINAL_INPUT_WINDOW_BYTES). */
  input(data: string): void {
    const bytes = Buffer.from(data, 'base64');
    if (this.state === 'closed' || !this.stream || bytes.length === 0) return;
    this.stream.write(bytes, (e) => {
      if (!e)
        this.link.send({ t: 'pty-in-ack', jobId: this.jobId, attempt: this.attempt, bytes: bytes.length });
    });
  }

  resize(size: WindowSize): void {
    if (this.state === 'closed') return;
    try {
      setWindowSize(this.pair.master, size.rows, size.cols);
    } catch {
      // the terminal went meanwhile
    }
  }

  ack(bytes: number): void {
    if (!Number.isSafeInteger(bytes) || bytes < 0) return;
    this.unacked = Math.max(0, this.unacked - bytes);
    if (this.state === 'attached' && this.unacked < TERMINAL_WINDOW_BYTES) this.stream?.resume();
  }

  /** The terminal goes away, as a modem hangs up: the kernel sends SIGHUP to the shell. */
  hangup(): void {
    this.release?.end();
    this.stream?.destroy();
    this.ended();
  }

  /** The head's link went: output waits; the terminal is hung up unless qsub is back in time. */
  detach(): void {
    if (this.state !== 'attached') return;
    this.state = 'detached';
    this.stream?.pause();
    this.startGrace(() => this.hangup());
  }

  /** A head (re)connected: a terminal without qsub says it waits for it. */
  announce(): void {
    if (this.state === 'waiting' || this.state === 'detached')
      this.link.send({ t: 'pty-ready', jobId: this.jobId, attempt: this.attempt });
  }

  /** qmsg's text on qsub's terminal (its lines end CR LF there, and no other control character
   * reaches the user's terminal); false when qsub is not there. */
  message(text: string): boolean {
    if (this.state !== 'attached') return false;
    this.send(Buffer.from(text.replace(NOT_PRINTED, '').replace(/\n/g, '\r\n')));
    return true;
  }

  /** A line of PBS's (the walltime notice) on qsub's terminal, when qsub was there to the end. */
  notice(line: string): void {
    if (this.state === 'attached' || this.attachedWhenClosed) this.send(Buffer.from(`\r\n${line}\r\n`));
  }

  /** The attempt exited: what its terminal still holds is sent (briefly), then the master closes. */
  async finish(): Promise<void> {
    this.clearGrace();
    if (this.state === 'attached') this.stream?.resume();
    await Promise.race([this.closed, new Promise((r) => setTimeout(r, DRAIN_MS).unref())]);
    this.hangup();
  }

  private output(chunk: Buffer): void {
    if (this.state !== 'attached') return;
    this.send(chunk);
  }

  /** Output to qsub, the shell's and PBS's alike: the head acknowledges all of it. */
  private send(data: Buffer): void {
    this.link.send({ t: 'pty-out', jobId: this.jobId, attempt: this.attempt, data: data.toString('base64') });
    this.unacked += data.length;
    if (this.unacked >= TERMINAL_WINDOW_BYTES) this.stream?.pause();
  }

  private ended(): void {
    if (this.state === 'closed') return;
    this.attachedWhenClosed = this.state === 'attached';
    this.state = 'closed';
    this.clearGrace();
    this.link.forget(this);
    this.markClosed();
  }

  private startGrace(expired: () => void): void {
    this.clearGrace();
    this.grace = setTimeout(expired, TERMINAL_GRACE_MS);
    this.grace.unref();
  }

  private clearGrace(): void {
    if (this.grace) clearTimeout(this.grace);
    this.grace = undefined;
  }
}

/** The terminals of the node's interactive attempts, by job, and the head's link they talk over. */
export class Terminals {
  private readonly open = new Map<string, Terminal>();

  constructor(private readonly sendToHead: (m: AgentMessage) => void) {}

  /** A terminal for an attempt about to start. */
  create(req: RunRequest, account: Account): Terminal {
    const terminal = new Terminal(this, req.jobId, req.attempt, account);
    this.open.set(req.jobId, terminal);
    return terminal;
  }

  send(m: AgentMessage): void {
    this.sendToHead(m);
  }

  forget(terminal: Terminal): void {
    if (this.open.get(terminal.jobId) === terminal) this.open.delete(terminal.jobId);
  }

  /** The terminal of this attempt, while it is open. */
  of(jobId: string, attempt: number): Terminal | undefined {
    const terminal = this.open.get(jobId);
    return terminal?.attempt === attempt ? terminal : undefined;
  }

  headLost(): void {
    for (const terminal of this.open.values()) terminal.detach();
  }

  /** After a hello: the terminals that wait for qsub say so. */
  announce(): void {
    for (const terminal of this.open.values()) terminal.announce();
  }
}

/**
 * What an interactive job's environment has that a batch job's has not: PBS_INTERACTIVE, qsub's
 * TERM, no ENVIRONMENT (PBS's MoM sets it for batch jobs only). Drover's commands come first on
 * PATH again once the login shell has read its profile, as for a batch job (compute-agent/job-env.ts):
 * there no script follows on stdin, so bash gets a PROMPT_COMMAND that does it before the first
 * prompt and unsets itself (a profile that sets its own PROMPT_COMMAND keeps the profile's PATH).
 */
export function interactiveEnvironment(
  env: Record<string, string>,
  req: RunRequest,
  shell: string,
  commands: string,
): void {
  env.PBS_ENVIRONMENT = 'PBS_INTERACTIVE';
  delete env.ENVIRONMENT;
  env.TERM = req.interactive?.term ?? 'unknown';
  if (!req.executable && basename(shell) === 'bash')
    env.PROMPT_COMMAND = `PATH=${shellQuote(commands)}:"$PATH"; unset PROMPT_COMMAND`;
}
