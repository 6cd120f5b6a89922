// The shape every PBS command shares: run main, print `cmd: message` lines on stderr, exit with
// the PBS exit code of the refusal.
import { hostname, userInfo } from 'node:os';
import { exitCode } from '../core/errors.js';
import type { ErrorCode, Refusal } from '../core/types.js';
import { NoServer } from './client.js';

export function printError(cmd: string, message: string): void {
  process.stderr.write(
    message
      .split('\n')
      .map((l) => `${cmd}: ${l}\n`)
      .join(''),
  );
}

/** Print a refusal (and the usage text when it asks for it); return its exit code. */
export function report(cmd: string, error: Refusal, usage?: string): number {
  printError(cmd, error.message);
  if (error.usage && usage) process.stderr.write(`${usage}\n`);
  return exitCode(error.code);
}

export function codeExit(code: ErrorCode): number {
  return exitCode(code);
}

/** `user@host` of whoever runs the command. */
export function whoami(): { user: string; host: string; by: string } {
  const user = userInfo().username;
  const host = hostname();
  return { user, host, by: `${user}@${host}` };
}

export function runCommand(cmd: string, main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
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
