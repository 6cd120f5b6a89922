// drover mpiexec outside a job: every rank on this machine, spawned directly, with the wire-up
// server on a Unix socket in a private directory removed at the end; spawn; an abort, a rank
// failing after finalize, and SIGTERM/SIGINT to the launcher ending ranks in a loop of allreduces;
// bad wire-up lines answered with errors. The ranks run the real library (drover/mpi) from copies
// outside the repository, but for test/e2e/mpi-programs/raw-rank.mjs. A killed rank outside a job:
// test/mpi/ranks.test.ts.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../helpers/head.js';
import { alive, copyPrograms, readPids } from '../helpers/mpi-cluster.js';
import { MpiexecRuns } from '../helpers/mpiexec-runs.js';

const work = mkdtempSync(join(tmpdir(), 'drover-mpi-local-'));
const { 'rank.mjs': PROG, 'raw-rank.mjs': RAW } = copyPrograms(
  join(work, 'programs'),
  'rank.mjs',
  'raw-rank.mjs',
) as Record<string, string>;
const runs = new MpiexecRuns(work);
const mpiexec = (args: string[]) => runs.start(args);

afterAll(async () => {
  await runs.stop();
  rmSync(work, { recursive: true, force: true });
});

const lines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .sort();

describe('drover mpiexec outside a job', () => {
  it('runs every rank here with its environment, tags its output, and removes its directory', async () => {
    const { out, err, code } = await mpiexec(['-n', '3', '--tag-output', 'node', PROG!, 'info']).done;
    expect(err).toBe('');
    expect(code).toBe(0);
    const host = /node=(\S+)/.exec(out)![1];
    expect(lines(out)).toEqual(
      [
        ...[0, 1, 2].map(
          (r) =>
            `[1,${r}]<stdout>:rank ${r}/3=3 node=${host} address=127.0.0.1 local=${r} dir=700 keyInParentArgv=false`,
        ),
        `[1,0]<stdout>:nodes ${host},${host},${host}`,
      ].sort(),
    );
    // the ranks' private directory (and the wire-up socket in it) is gone
    expect(readdirSync(work).filter((n) => n.startsWith('drover-mpi-'))).toEqual([]);
  });

  it('spawns a second set of ranks, its output tagged with the set', async () => {
    const { out, code } = await mpiexec(['-n', '2', '--tag-output', 'node', PROG!, 'spawn']).done;
    expect(code).toBe(0);
    const host = /child on (\S+)/.exec(out)![1];
    expect(lines(out)).toEqual([
      '[1,0]<stdout>:rank 0: spawned 2, answers 1,12',
      `[2,0]<stdout>:rank 0: child on ${host} got 0`,
      `[2,1]<stdout>:rank 1: child on ${host} got 10`,
    ]);
  });

  it('abort ends the run with its code; a rank failing after finalize gives the run its status', async () => {
    const abort = await mpiexec(['-n', '3', 'node', PROG!, 'abort', '2', '9']).done;
    expect(abort.code).toBe(9);
    expect(abort.err).toMatch(/^drover mpiexec: rank 2 on \S+ aborted the run with code 9: on purpose\n/);
    const fail = await mpiexec(['-n', '2', 'node', PROG!, 'fail-after']).done;
    expect(fail.code).toBe(5);
    expect(fail.err).toMatch(/^drover mpiexec: rank 1 on \S+ exited with status 5\n$/);
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s to the launcher ends every rank in a loop of allreduces; it exits %i', async (signal, status) => {
    const pids = join(work, `pids-${signal}`);
    const run = mpiexec(['-n', '3', 'node', PROG!, 'loop', pids]);
    const ranks = await waitUntil(() => readPids(pids, 3), 10_000, 'three ranks');
    run.child.kill(signal);
    expect((await run.done).code).toBe(status);
    expect(ranks.filter(alive)).toEqual([]);
    rmSync(pids);
  });

  it('answers bad wire-up lines with errors and refuses a wrong key or rank, the run going on', async () => {
    const { out, err, code } = await mpiexec(['-n', '1', 'node', RAW!]).done;
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toBe(
      [
        'not json first: error not JSON',
        'not json first then: closed',
        'wrong key: error wrong key',
        'wrong key then: closed',
        'out of range: error rank 99 is out of range (size 1)',
        'out of range then: closed',
        'hello: welcome',
        'not json: error not JSON',
        'unknown type: error 4 unknown message type "launch"',
        'bad fields: error 5 bad spawn message: id, n > 0, argv (non-empty strings)',
        'second hello: error hello was already said on this connection',
        'fence: fenced 6',
        '',
      ].join('\n'),
    );
  });

  it('refuses bad options with its usage, exit 2', async () => {
    const r = await mpiexec(['-n', 'x', 'node', PROG!]).done;
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      "drover mpiexec: -n wants a positive integer, got 'x'\nusage: drover mpiexec -n N [--ppn P] [--tag-output] [--oversubscribe] [--] command [args...]\n",
    );
  });
});
