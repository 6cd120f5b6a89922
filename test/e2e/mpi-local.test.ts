// drover mpiexec outside a job: every rank on this machine, spawned directly, with the wire-up
// server on a Unix socket in a private directory removed at the end; spawn and named groups; a
// killed rank, an abort, and SIGTERM/SIGINT to the launcher end every rank.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, stopPid, waitUntil } from '../helpers/head.js';

const PROG = join(ROOT, 'test/e2e/mpi-programs/prog.mjs');
const DROVER = join(ROOT, 'bin/drover');
const work = mkdtempSync(join(tmpdir(), 'drover-mpi-local-'));
const started: ChildProcess[] = [];

afterAll(async () => {
  for (const c of started) if (c.pid && c.exitCode === null && c.signalCode === null) await stopPid(c.pid);
  rmSync(work, { recursive: true, force: true });
});

/** The environment of a shell outside any job. */
function outsideJob(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: work };
  for (const k of Object.keys(env)) if (k.startsWith('PBS_') || k.startsWith('DROVER_')) delete env[k];
  return env;
}

function mpiexec(args: string[]): {
  child: ChildProcess;
  done: Promise<{ code: number | null; out: string; err: string }>;
} {
  const child = spawn(process.execPath, [DROVER, 'mpiexec', ...args], { env: outsideJob(), cwd: work });
  started.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, out, err })),
  );
  return { child, done };
}

const alive = (pid: number) => {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
};

const lines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .sort();

describe('drover mpiexec outside a job', () => {
  it('runs every rank here with its environment, tags its output, and removes its directory', async () => {
    const { out, err, code } = await mpiexec(['-n', '3', '--tag-output', 'node', PROG, 'ok']).done;
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(lines(out).filter((l) => !l.includes('store'))).toEqual(
      [0, 1, 2].map(
        (r) =>
          `[1,${r}]<stdout>:rank ${r}/3=3 node=${/node=(\S+)/.exec(out)![1]} address=127.0.0.1 local=${r} dir=700 keyInParentArgv=false`,
      ),
    );
    expect(out).toMatch(
      /^\[1,0\]<stdout>:store node-0=\S+ 127\.0\.0\.1,node-1=\S+ 127\.0\.0\.1,node-2=\S+ 127\.0\.0\.1$/m,
    );
    // the ranks' private directory (and the wire-up socket in it) is gone
    expect(readdirSync(work).filter((n) => n.startsWith('drover-mpi-'))).toEqual([]);
  });

  it('spawns a new universe whose published values the parent reads, and keeps named groups', async () => {
    const s = await mpiexec(['-n', '2', '--tag-output', 'node', PROG, 'spawn']).done;
    expect(s.code).toBe(0);
    expect(s.out).toMatch(/^\[1,0\]<stdout>:spawned 2 child node-1=\S+ 127\.0\.0\.1$/m);
    expect(s.out).toMatch(/^\[2,1\]<stdout>:child 1\/2=2 /m);
    const g = await mpiexec(['-n', '3', 'node', PROG, 'group']).done;
    expect(g.code).toBe(0);
    expect(/^members (.*)$/m.exec(g.out)![1]!.split(',').sort()).toEqual(['0', '1', '2']);
  });

  it('a killed rank: the others hear peer-lost, the run ends with its status; abort ends it with its code', async () => {
    const die = await mpiexec(['-n', '3', 'node', PROG, 'die', '1']).done;
    expect(die.code).toBe(137);
    expect(die.err).toMatch(
      /^drover mpiexec: rank 1 on \S+ exited with status 137 \(SIGKILL\) before finalize\n$/,
    );
    for (const r of [0, 2]) expect(die.out).toContain(`rank ${r}: peer-lost rank 1:`);
    const abort = await mpiexec(['-n', '3', 'node', PROG, 'abort', '2', '9']).done;
    expect(abort.code).toBe(9);
    expect(abort.err).toMatch(/^drover mpiexec: rank 2 on \S+ aborted the run with code 9: on purpose\n$/);
    const fail = await mpiexec(['-n', '2', 'node', PROG, 'fail-after']).done;
    expect(fail.code).toBe(5);
    expect(fail.err).toMatch(/^drover mpiexec: rank 1 on \S+ exited with status 5\n$/);
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s to the launcher ends every rank; it exits %i', async (signal, status) => {
    const pids = join(work, `pids-${signal}`);
    const run = mpiexec(['-n', '3', 'node', PROG, 'hang', pids]);
    const ranks = await waitUntil(
      () => {
        const got = existsSync(pids) ? readFileSync(pids, 'utf8').trim().split('\n') : [];
        return got.length === 3 ? got.map(Number) : undefined;
      },
      10_000,
      'three ranks',
    );
    run.child.kill(signal);
    expect((await run.done).code).toBe(status);
    expect(ranks.filter(alive)).toEqual([]);
    rmSync(pids);
  });

  it('refuses bad options with its usage, exit 2', async () => {
    const r = await mpiexec(['-n', 'x', 'node', PROG]).done;
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      "drover mpiexec: -n wants a positive integer, got 'x'\nusage: drover mpiexec -n N [--ppn P] [--tag-output] [--oversubscribe] [--] command [args...]\n",
    );
  });
});
