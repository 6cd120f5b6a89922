// The library across real rank processes, wired up by the test wire-up server
// (test/helpers/wireup-server.ts): point to point, ordering, wildcards, truncation, communicators,
// spawn, abort, and a killed rank failing the others' calls. Needs `npm run build` (the ranks
// import dist/mpi/index.js).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LaunchOptions, type RankProcess, WireupServer } from '../helpers/wireup-server.js';

const PROGRAM = join(import.meta.dirname, 'programs', 'scenarios.mjs');
const servers: WireupServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function run(n: number, scenario: string, options?: LaunchOptions) {
  const server = await WireupServer.start();
  servers.push(server);
  server.launch(n, [PROGRAM, scenario], options);
  const exits = await server.allExited();
  const out = server.ranks.map((r) => r.stdout + r.stderr).join('');
  return { exits, out, ranks: server.ranks };
}

function expectClean(r: { exits: { code: number | null }[]; out: string }) {
  expect(r.out).not.toMatch(/failed/);
  expect(r.exits.map((e) => e.code)).toEqual(r.exits.map(() => 0));
}

function waitFor(r: RankProcess, text: string): Promise<void> {
  return new Promise((resolve) => {
    const look = () => {
      if (!r.stdout.includes(text)) return;
      r.child.stdout!.off('data', look);
      resolve();
    };
    r.child.stdout!.on('data', look);
    look();
  });
}

describe('drover/mpi across processes', () => {
  it('ping-pongs typed arrays and values over Unix sockets, probes before receiving', async () => {
    const r = await run(2, 'pingpong');
    expectClean(r);
    expect(r.out).toMatch(/ok pingpong 1/);
  });

  it('ping-pongs over TCP between ranks on different nodes', async () => {
    const r = await run(2, 'pingpong', { node: (rank) => `node${rank}` });
    expectClean(r);
    expect(r.out).toMatch(/ok pingpong 0/);
  });

  it('keeps each sender’s order under ANY_SOURCE / ANY_TAG, and posted receives in posting order', async () => {
    const r = await run(4, 'order', { node: (rank) => `node${rank % 2}` });
    expectClean(r);
    expect(r.out).toMatch(/ok sources 500,500,500/);
    expect(r.out).toMatch(/ok posting order/);
  });

  it('keeps order and contents when a small unexpected-bytes budget pauses the senders', async () => {
    const r = await run(2, 'pingpong', { env: { DROVER_MPI_UNEXPECTED_BYTES: '65536' } });
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
    expect(r.ranks).toHaveLength(4);
    expect(r.out).toMatch(/ok spawned/);
  });

  it('joins named groups and multicasts to their members', async () => {
    const r = await run(3, 'groups');
    expectClean(r);
    expect(r.out.match(/ok groups/g)).toHaveLength(3);
  });

  it('abort ends every rank with its code and message', async () => {
    const r = await run(3, 'abort');
    expect(r.exits.map((e) => e.code)).toEqual([3, 3, 3]);
    expect(r.out).toMatch(/rank 1 gives up/);
  });

  it('a killed rank fails the others’ pending and later calls (p2p and collective) with PeerLostError', async () => {
    const server = await WireupServer.start();
    servers.push(server);
    const ranks = server.launch(4, [PROGRAM, 'killed']);
    await Promise.all(ranks.map((r) => waitFor(r, 'posted')));
    const killedAt = Date.now();
    ranks[3]!.child.kill('SIGKILL');
    const exits = await Promise.all(ranks.slice(0, 3).map((r) => r.exited));
    expect(Date.now() - killedAt).toBeLessThan(5000);
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0]);
    for (const r of ranks.slice(0, 3)) {
      expect(r.stdout).toMatch(/ok lost rank 3 was lost/);
      expect(r.stdout).toMatch(/ok later calls fail/);
    }
  });

  it('init fails with a clear error when the wire-up server cannot be reached', async () => {
    const child = spawn(process.execPath, [PROGRAM, 'pingpong'], {
      env: {
        ...process.env,
        DROVER_MPI_WIREUP: 'unix:/nonexistent/wireup.sock',
        DROVER_MPI_KEY: 'k',
        DROVER_MPI_RANK: '0',
        DROVER_MPI_SIZE: '2',
        DROVER_MPI_UNIVERSE: 'u',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(out).toMatch(/cannot reach the wire-up server at unix:\/nonexistent\/wireup.sock/);
  });
});
