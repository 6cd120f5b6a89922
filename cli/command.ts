// The shape every PBS command shares: run main, print `cmd: message` lines on stderr, exit with
// the PBS exit code of the refusal.
import { statSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { type ErrorCode, exitCode, type Refusal } from '../core/errors.js';
import { NoServer, Refused } from './api-errors.js';

export function printError(cmd: string, message: string): void {
  process.stderr.write(
    message
      .split('\n')
      .map((l) => `${cmd}: ${l}\n`)
      .join(''),
  );
}

/**
 * Print a refusal (its unprefixed line, its message, then the usage text when it asks for it; an
 * empty message prints only the usage); return its exit code.
 */
export function report(cmd: string, error: Refusal, usage?: string): number {
  if (error.unprefixed !== undefined) process.stderr.write(`${error.unprefixed}\n`);
  if (error.message !== '') printError(cmd, error.message);
  if (error.usage && usage) process.stderr.write(`${usage}\n`);
  return exitCode(error.code);
}

export function codeExit(code: ErrorCode): number {
  return exitCode(code);
}

export function runCommand(cmd: string, main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // done: exit once stdout has taken everything, without waiting for the loop to wind down
      // (~1 ms of a command's life)
      process.stdout.write('', () => process.exit(code));
    },
    (e: unknown) => {
      if (e instanceof Refused) {
        process.exitCode = report(cmd, e.error);
        return;
      }
      if (e instanceof NoServer) {
        printError(cmd, e.message);
        process.exitCode = exitCode('NO_SERVER');
        return;
      }
      printError(cmd, `internal error: ${(e as Error).stack ?? String(e)}`);
      process.exitCode = 1;
    },
  );
}

/** PBS_O_WORKDIR is $PWD when it names the current directory (keeps symlinked paths). */
function samePlace(pwd: string): boolean {
  try {
    const a = statSync(pwd);
    const b = statSync('.');
    return a.ino === b.ino && a.dev === b.dev;
  } catch {
    return false;
  }
}

/**
 * Where and by whom a job is submitted: its PBS_O_WORKDIR, host, user, and the time now. The
 * head takes the user from the connection, not from here (PBS_O_LOGNAME and the like come from it).
 */
export function submitPlace(): { cwd: string; host: string; user: string; now: number } {
  const pwd = process.env.PWD;
  return {
    cwd: pwd && samePlace(pwd) ? pwd : process.cwd(),
    host: hostname(),
    user: userInfo().username,
    now: Math.floor(Date.now() / 1000),
  };
}
