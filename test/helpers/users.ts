// Real Unix users for the multi-user tests, made with useradd as an admin would (an existing one
// is reused, so test files running side by side share them), and commands run as them with
// `runuser -u USER -- CMD`, the real bin/ commands against a head run by root.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { userByName } from '../../native/native.js';
import { BIN, ROOT, type RunResult, stopPid, type TestHead } from './head.js';

export const ALICE = 'drv-alice';
export const BOB = 'drv-bob';
/** made an operator by the tests (qmgr -c "set server operators += …") */
export const OPER = 'drv-oper';
/** made a manager by the tests */
export const MGR = 'drv-mgr';
/** alice's supplementary group */
export const TEAM = 'drv-team';

function tolerate(cmd: string, args: string[], exists: number): void {
  try {
    execFileSync(cmd, args, { stdio: 'pipe' });
  } catch (e) {
    if ((e as { status?: number }).status !== exists) throw e;
  }
}

/** Create the test users (homes, a login shell; alice also in TEAM); existing ones are kept. */
export function ensureUsers(): void {
  tolerate('groupadd', ['-f', TEAM], 9);
  for (const user of [ALICE, BOB, OPER, MGR]) {
    tolerate('useradd', ['-m', '-s', '/bin/bash', ...(user === ALICE ? ['-G', TEAM] : []), user], 9);
  }
  tolerate('usermod', ['-a', '-G', TEAM, ALICE], -1);
}

export function account(user: string) {
  const a = userByName(user);
  if (!a) throw new Error(`no user ${user}`);
  return a;
}

/** A directory of the user's own under `parent`, mode 0700 (their submit directory). */
export function dirOf(user: string, parent: string, name = user): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  const a = account(user);
  chownSync(dir, a.uid, a.gid);
  chmodSync(dir, 0o700);
  return dir;
}

/**
 * Run a bin/ command as `user` against `head` (its socket through DROVER_HOME, unless `env`
 * says otherwise), in `cwd`.
 */
export function runAs(
  user: string,
  head: TestHead,
  cmd: string,
  args: string[],
  opts: { cwd: string; input?: string; env?: NodeJS.ProcessEnv },
): Promise<RunResult> {
  const env = {
    PATH: `${BIN}:/usr/local/bin:/usr/bin:/bin`,
    LANG: 'C.UTF-8',
    DROVER_HOME: head.stateDir,
    PWD: opts.cwd,
    ...opts.env,
  };
  return new Promise((resolve) => {
    const child = execFile(
      '/usr/sbin/runuser',
      ['-u', user, '--', cmd.startsWith('/') ? cmd : join(BIN, cmd), ...args],
      { env, cwd: opts.cwd, encoding: 'utf8' },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(opts.input ?? '');
  });
}

/**
 * A head of `user`'s own (`drover head --local --home HOME ARGS`, run as that user, no setup),
 * resolved once it is ready; `stop` ends it and its agent by PID.
 */
export async function ownHead(
  user: string,
  home: string,
  args: string[] = [],
): Promise<{ stop(): Promise<void> }> {
  const a = account(user);
  mkdirSync(home, { recursive: true, mode: 0o711 });
  chmodSync(home, 0o711);
  chownSync(home, a.uid, a.gid);
  const child = spawn(
    process.execPath,
    [join(ROOT, 'dist/cli/drover.js'), 'head', '--local', '--home', home, ...args],
    {
      uid: a.uid,
      gid: a.gid,
      env: { PATH: process.env.PATH, HOME: a.home },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const stop = async () => {
    if (child.pid) await stopPid(child.pid);
    const agent = join(home, 'local-node', 'agent.pid');
    if (existsSync(agent)) await stopPid(Number(readFileSync(agent, 'utf8')));
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let log = '';
      child.stdout!.on('data', (d: Buffer) => {
        log += d.toString();
        if (log.includes('"head ready"')) resolve();
      });
      child.stderr!.on('data', (d: Buffer) => {
        log += d.toString();
      });
      child.once('exit', (code) => reject(new Error(`${user}'s head exited with ${code}: ${log}`)));
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { stop };
}
