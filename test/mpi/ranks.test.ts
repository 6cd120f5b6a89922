// The library across real rank processes started by the real launcher outside a job
// (`drover mpiexec -n N node scenarios.mjs NAME`, test/helpers/mpiexec-runs.ts): point to point
// over Unix sockets and TCP, ordering, wildcards, truncation, communicators, spawn, named groups,
// abort, a killed rank failing the others' calls, and init without a reachable wire-up server.
// The ranks run a copy of test/mpi/programs/scenarios.mjs outside the repository, so `drover/mpi`
// resolves through the hook the launcher puts in NODE_OPTIONS. Needs `npm run build`.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/head.js';
import { type MpiexecResult, MpiexecRuns } from '../helpers/mpiexec-runs.js';

const work = mkdtempSync(join(tmpdir(), 'drover-mpi-ranks-'));
const PROGRAM = join(work, 'scenarios.mjs');
copyFileSync(join(import.meta.dirname, 'programs', 'scenarios.mjs'), PROGRAM);
const runs = new MpiexecRuns(work);

afterAll(async () => {
  await runs.stop();
  rmSync(work, { recursive: true, force: true });
});

/** `n` ranks of a scenario; `nodes`: ranks on that many "nodes" of this machine (over TCP). */
function run(n: number, scenario: string, env: NodeJS.ProcessEnv = {}): Promise<MpiexecResult> {
  return runs.start(['-n', String(n), 'node', PROGRAM, scenario], env).done;
}

function expectClean(r: MpiexecResult) {
  expect(`${r.out}${r.err}`).not.toMatch(/failed/);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
}

describe('drover/mpi across processes started by drover mpiexec', () => {
  it('ping-pongs typed arrays and values over Unix sockets, probes before receiving', async () => {
    const r = await run(2, 'pingpong');
    expectClean(r);
    expect(r.out).toMatch(/ok pingpong 1/);
  });

  it('ping-pongs over TCP between ranks on different nodes', async () => {
    const r = await run(2, 'pingpong', { DROVER_TEST_NODES: '2' });
    expectClean(r);
    expect(r.out).toMatch(/ok pingpong 0/);
  });

  it('keeps each sender’s order under ANY_SOURCE / ANY_TAG, and posted receives in posting order', async () => {
    const r = await run(4, 'order', { DROVER_TEST_NODES: '2' });
    expectClean(r);
    expect(r.out).toMatch(/ok sources 500,500,500/);
    expect(r.out).toMatch(/ok posting order/);
  });

  it('keeps order and contents when a small unexpected-bytes budget pauses the senders', async () => {
    const r = await run(2, 'pingpong', { DROVER_MPI_UNEXPECTED_BYTES: '65536' });
    expectClean(r);
  });

  it('reports truncation with the real size, and the next message still arrives', async () => {
    const r = await run(2, 'truncation');
    expectClean(r);
    expect(r.out).toMatch(/ok truncated message truncated: 16 bytes from rank 1/);
  });

  it('splits, dups and creates communicators whose traffic never mixes', async () => {
    const r = await run(4, 'split');
    expectClean(r);
    expect(r.out.match(/ok split/g)).toHaveLength(4);
  });

  it('spawns ranks that find their parent and answer it', async () => {
    const r = await run(2, 'spawn');
    expectClean(r);
    expect(r.out).toMatch(/ok spawned/);
    expect(r.out.match(/^ok child \d$/gm)?.sort()).toEqual(['ok child 0', 'ok child 1']);
  });

  it('joins named groups and multicasts to their members', async () => {
    const r = await run(3, 'groups');
    expectClean(r);
    expect(r.out.match(/ok groups/g)).toHaveLength(3);
  });

  it('a rank whose program ends without finalize exits, and the run fails naming it', async () => {
    const r = await run(3, 'forgets');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^drover mpiexec: rank 1 on \S+ exited with status 0 before finalize$/m);
    expect(r.out.match(/^ok lost 1$/gm)).toHaveLength(2);
  });

  it('abort ends every rank with its code and message', async () => {
    const r = await run(3, 'abort');
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/^drover mpiexec: rank 1 on \S+ aborted the run with code 3: rank 1 gives up$/m);
  });

  it('a killed rank fails the others’ pending and later calls (p2p and collective) with PeerLostError', async () => {
    const ranks = runs.start(['-n', '4', 'node', PROGRAM, 'killed']);
    const posted = await ranks.lines(/^posted (\d) (\d+)$/, 4);
    const killedAt = Date.now();
    process.kill(Number(posted.find((m) => m[1] === '3')![2]), 'SIGKILL');
    await ranks.lines(/^ok later calls fail$/, 3);
    expect(Date.now() - killedAt).toBeLessThan(5000);
    const r = await ranks.done;
    expect(r.code).toBe(137);
    expect(r.err).toMatch(
      /^drover mpiexec: rank 3 on \S+ exited with status 137 \(SIGKILL\) before finalize\n$/,
    );
    expect(r.out).not.toMatch(/failed/);
    expect(r.out.match(/^ok lost rank 3 was lost: .*$/gm)).toHaveLength(3);
  });

  it('init fails with a clear error when the wire-up server cannot be reached', async () => {
    // started by hand, as the launcher would: the hook that resolves drover/mpi, the variables
    const hook = pathToFileURL(join(ROOT, 'dist/mpi/register-hook.js')).href;
    const child = spawn(process.execPath, [`--import=${hook}`, PROGRAM, 'pingpong'], {
      env: runs.env({
        DROVER_MPI_WIREUP: 'unix:/nonexistent/wireup.sock',
        DROVER_MPI_KEY: 'k',
        DROVER_MPI_RANK: '0',
        DROVER_MPI_SIZE: '2',
        DROVER_MPI_UNIVERSE: 'u',
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(out).toMatch(/cannot reach the wire-up server at unix:\/nonexistent\/wireup.sock/);
  });
});
