// An interactive job's terminal (`qsub -I`): the messages that carry it between the agent that
// runs the job's shell on a pseudo-terminal and the head (over the node's link, as every other
// agent message), and the frames between the head and qsub (over qsub's upgraded connection to the
// head, GET TERMINAL_PATH). Terminal bytes travel base64 in both.

/** An agent's shell waits for its terminal this long (the job's qsub attached through the head), as
 * PBS's MoM waits for qsub's connection; a terminal left detached (the head's link lost) is hung up
 * after as long. */
export const TERMINAL_GRACE_MS = 30_000;

/** Output bytes an agent sends before the head acknowledges them (qsub has taken them): more wait
 * in the pseudo-terminal, whose writer then blocks, as over any slow terminal. */
export const TERMINAL_WINDOW_BYTES = 256 * 1024;

/** The most bytes one `in` frame (and so one `pty-in`) carries, decoded: qsub splits what it reads
 * to fit; the head closes the connection of a qsub that sends more. */
export const TERMINAL_INPUT_FRAME_BYTES = 16 * 1024;

/** Input bytes the head forwards before the agent acknowledges them (its pseudo-terminal has taken
 * them): the head stops reading qsub's connection meanwhile, as a terminal stops a fast typist. */
export const TERMINAL_INPUT_WINDOW_BYTES = 64 * 1024;

/** The longest line (characters) the head reads from qsub's connection: one that grows past it
 * without a newline closes that connection. */
export const TERMINAL_LINE_MAX = 64 * 1024;

/** Where qsub asks for a job's terminal (`GET`, `Upgrade: drover-terminal`). */
export const terminalPath = (jobId: string): string => `/v1/jobs/${encodeURIComponent(jobId)}/terminal`;
export const TERMINAL_UPGRADE = 'drover-terminal';

/** A terminal's size, in characters. */
export interface WindowSize {
  rows: number;
  cols: number;
}

/** The head to the agent of the job's first node; each names the attempt it is for. */
export type TerminalHeadMessage =
  /** qsub is there: size the terminal and start (or resume) the job's shell on it */
  | ({ t: 'pty-attach'; jobId: string; attempt: number } & WindowSize)
  | { t: 'pty-in'; jobId: string; attempt: number; data: string }
  | ({ t: 'pty-resize'; jobId: string; attempt: number } & WindowSize)
  /** qsub has taken `bytes` more of the output */
  | { t: 'pty-ack'; jobId: string; attempt: number; bytes: number }
  /** qsub went away: hang the terminal up (SIGHUP to the shell) */
  | { t: 'pty-hangup'; jobId: string; attempt: number };

/** The agent to the head. */
export type TerminalAgentMessage =
  /** the attempt's terminal waits for qsub (its shell not started yet, or the head's link was
   * lost meanwhile); sent again after every hello */
  | { t: 'pty-ready'; jobId: string; attempt: number }
  /** the terminal is attached: the shell runs on it */
  | { t: 'pty-attached'; jobId: string; attempt: number }
  | { t: 'pty-out'; jobId: string; attempt: number; data: string }
  /** the terminal has taken `bytes` more of the input (its master's write called back) */
  | { t: 'pty-in-ack'; jobId: string; attempt: number; bytes: number };

/** qsub to the head, one JSON value a line. */
export type ClientFrame = { t: 'in'; data: string } | ({ t: 'size' } & WindowSize);

/** The head to qsub, one JSON value a line. */
export type HeadFrame =
  /** the job's shell runs on its terminal */
  | { t: 'ready' }
  | { t: 'out'; data: string }
  /** the job ended: `status` is its Exit_status when its attempt exited (absent: it never ran) */
  | { t: 'end'; status?: number };

/** A window size as a client may send it: whole numbers that fit a `struct winsize`. */
export function windowSize(rows: unknown, cols: unknown): WindowSize | undefined {
  const fits = (n: unknown): n is number =>
    Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 65535;
  return fits(rows) && fits(cols) ? { rows, cols } : undefined;
}

/**
 * qsub's exit status for an interactive job that ended with Exit_status `status`: the shell's own
 * status, a signal's number for a shell killed by one (PBS records 256 + N), and PBS's negative
 * statuses (the job was killed or could not start) in 8 bits, as `qsub -W block=true` returns them.
 */
export function interactiveExit(status: number): number {
  return status & 0xff;
}
