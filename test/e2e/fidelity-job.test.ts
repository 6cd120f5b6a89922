// What a job sees and what qstat says of it, as OpenPBS and Torque have it: Torque's job-size
// variables (PBS_NUM_NODES, PBS_NUM_PPN, PBS_NP), PBS_MOMPORT, MoM's walltime notice in whole
// seconds, and exec_host's index of each job on its node. One head in Torque mode with its local
// node (4 CPUs); the PBS-mode environment is checked in test/e2e/submit.test.ts.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../helpers/cluster.js';
import type { TestHead } from '../helpers/head.js';

let cluster: Cluster;
let head: TestHead;
/** the local node's name (the head host's short name, head/head-store.ts) */
const node = hostname().split('.')[0]!;

beforeAll(async () => {
  cluster = await startCluster({ head: { ncpus: 4, killDelay: 1, extraArgs: ['--torque'] } });
  head = cluster.head;
});
afterAll(async () => {
  await cluster?.stop();
});

const SIZE = 'echo "$PBS_NUM_NODES $PBS_NUM_PPN $PBS_NP $PBS_MOMPORT"\n';

/** The job's stdout once it has finished (exit status 0). */
async function output(id: string, name: string): Promise<string> {
  const j = await head.waitState(id, 'F');
  expect(j.Exit_status).toBe(0);
  return readFileSync(join(head.work, `${name}.o${id.split('.')[0]}`), 'utf8');
}

/** The `exec_host = …` line of `qstat -f` and the exec_host of `qstat -f -F json`. */
async function execHost(id: string): Promise<{ line: string | undefined; json: unknown }> {
  const text = (await head.run('qstat', ['-f', id])).stdout;
  return { line: /^ {4}exec_host = .*$/m.exec(text)?.[0], json: (await head.json(id))?.exec_host };
}

describe('the job environment in Torque mode', () => {
  it('sets PBS_NUM_NODES, PBS_NUM_PPN and PBS_NP from the request, and PBS_MOMPORT=15003', async () => {
    const jobs = [
      ['ppn', ['-l', 'nodes=1:ppn=4'], '1 4 4 15003\n'],
      ['one', ['-l', 'nodes=1'], '1 1 1 15003\n'],
      ['plain', [], '1 1 1 15003\n'],
      ['chunks', ['-l', 'select=2:ncpus=2'], '2 2 4 15003\n'],
      ['ncpus', ['-l', 'ncpus=3'], '1 3 3 15003\n'],
    ] as const;
    const ids = await Promise.all(jobs.map(([name, args]) => head.submit(['-N', name, ...args], SIZE)));
    for (const [i, [name, , expected]] of jobs.entries()) {
      expect(await output(ids[i]!, name)).toBe(expected);
    }
  });

  it('a user cannot set them: the head’s values win over -v', async () => {
    const id = await head.submit(['-N', 'mine', '-v', 'PBS_NP=99,PBS_MOMPORT=1'], SIZE);
    expect(await output(id, 'mine')).toBe('1 1 1 15003\n');
  });
});

describe('the walltime notice', () => {
  it('says both figures in whole seconds, as MoM: `walltime N exceeded limit 1`', async () => {
    const id = await head.submit(['-N', 'over', '-l', 'walltime=00:00:01'], 'echo begun\nsleep 30\n');
    const j = await head.waitState(id, 'F');
    expect(j.Exit_status).toBe(-29);
    // the used figure is the job's resources_used.walltime
    const [h, m, s] = String((j.resources_used as Record<string, unknown>).walltime)
      .split(':')
      .map(Number) as [number, number, number];
    const used = h * 3600 + m * 60 + s;
    expect(used).toBeGreaterThanOrEqual(1);
    const err = readFileSync(join(head.work, `over.e${id.split('.')[0]}`), 'utf8');
    expect(err).toBe(`=>> PBS: job killed: walltime ${used} exceeded limit 1\n`);
  });
});

describe('exec_host', () => {
  it('gives each job on a node its own index, the lowest free one, kept while it runs', async () => {
    const a = await head.submit(['-N', 'a'], 'sleep 300\n');
    await head.waitState(a, 'R');
    const b = await head.submit(['-N', 'b'], 'sleep 300\n');
    await head.waitState(b, 'R');
    const c = await head.submit(['-N', 'c', '-l', 'select=1:ncpus=2'], 'sleep 300\n');
    await head.waitState(c, 'R');
    expect(await execHost(a)).toEqual({ line: `    exec_host = ${node}/0`, json: `${node}/0` });
    expect(await execHost(b)).toEqual({ line: `    exec_host = ${node}/1`, json: `${node}/1` });
    expect(await execHost(c)).toEqual({ line: `    exec_host = ${node}/2*2`, json: `${node}/2*2` });

    // a's index is free again once it ends; b and c keep theirs
    expect((await head.run('qdel', [a])).code).toBe(0);
    await head.waitState(a, 'F');
    const d = await head.submit(['-N', 'd'], 'sleep 300\n');
    await head.waitState(d, 'R');
    expect(await execHost(d)).toEqual({ line: `    exec_host = ${node}/0`, json: `${node}/0` });
    expect((await execHost(b)).json).toBe(`${node}/1`);
    // a finished job shows where it ran
    expect((await execHost(a)).json).toBe(`${node}/0`);
    expect((await head.run('qdel', [b, c, d])).code).toBe(0);
    for (const id of [b, c, d]) await head.waitState(id, 'F');
  });

  it('gives a job two indices for two chunks on one node', async () => {
    const id = await head.submit(['-N', 'two', '-l', 'select=2:ncpus=1', '-l', 'place=pack'], 'true\n');
    await head.waitState(id, 'F');
    expect((await execHost(id)).json).toBe(`${node}/0+${node}/1`);
  });
});
