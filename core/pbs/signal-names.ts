// What `qsig -s` names: a signal by its name (with or without `SIG`, upper case as PBS's MoM
// table has it), by its number, or one of PBS's special names that suspend and resume a job.

/** Linux's numbers of the names PBS's MoM knows (its sig_tbl), NULL being 0 (a no-op). */
const NUMBERS: Readonly<Record<string, number>> = {
  NULL: 0,
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  IOT: 6,
  BUS: 7,
  FPE: 8,
  KILL: 9,
  USR1: 10,
  SEGV: 11,
  USR2: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  CHLD: 17,
  CLD: 17,
  CONT: 18,
  STOP: 19,
  TSTP: 20,
  TTIN: 21,
  TTOU: 22,
  URG: 23,
  XCPU: 24,
  XFSZ: 25,
  VTALRM: 26,
  PROF: 27,
  WINCH: 28,
  IO: 29,
  POLL: 29,
};

/** The highest signal number on Linux (SIGRTMAX). */
const MAX_SIGNAL = 64;

export const SIGKILL = NUMBERS.KILL!;

/** What `qsig` without `-s` sends. */
export const DEFAULT_QSIG_SIGNAL = 'SIGTERM';

export type SignalRequest =
  /** a real signal: its number (0 checks only that the job is there) */
  | { kind: 'signal'; signo: number }
  /** stop the whole job (SIGSTOP), state S; `resume` marks it to go on (SIGCONT) */
  | { kind: 'suspend' }
  | { kind: 'resume' }
  /** PBS's suspension that also puts the job's vnodes in maintenance */
  | { kind: 'admin-suspend' }
  | { kind: 'admin-resume' };

const SPECIAL = ['suspend', 'resume', 'admin-suspend', 'admin-resume'] as const;

/**
 * The signal `qsig -s TEXT` asks for, or undefined for a name PBS does not know. As PBS's MoM:
 * `SIGUSR1` and `USR1` are the same, names are case-sensitive (`usr1` is unknown), a number is
 * taken as it is; the special names are lower case.
 */
export function parseSignal(text: string): SignalRequest | undefined {
  const special = SPECIAL.find((s) => s === text);
  if (special) return { kind: special };
  if (/^\d{1,3}$/.test(text)) {
    const signo = Number(text);
    return signo <= MAX_SIGNAL ? { kind: 'signal', signo } : undefined;
  }
  const name = text.startsWith('SIG') ? text.slice(3) : text;
  const signo = Object.hasOwn(NUMBERS, name) ? NUMBERS[name] : undefined;
  return signo === undefined ? undefined : { kind: 'signal', signo };
}
