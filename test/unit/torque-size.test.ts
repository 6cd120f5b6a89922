import { describe, expect, it } from 'vitest';
import type { Slot } from '../../core/scheduling/sched-node.js';
import { torqueSizeVariables } from '../../head/scheduling/run-request.js';

/** A placed chunk of `ncpus` CPUs and `mpiprocs` ranks on `node`. */
const slot = (node: string, ncpus: number, mpiprocs = ncpus): Slot => ({
  node,
  ncpus,
  mem: 0,
  gpus: [],
  mpiprocs,
  ompthreads: ncpus,
});

describe("Torque's PBS_NUM_NODES, PBS_NUM_PPN, PBS_NP", () => {
  it.each([
    ['nodes=2:ppn=4', [slot('n1', 4), slot('n2', 4)], ['2', '4', '8']],
    ['nodes=1', [slot('n1', 1)], ['1', '1', '1']],
    // the ppn of the first node, as Torque's MoM reads it, and every processor in PBS_NP
    ['nodes=n1+n2:ppn=2', [slot('n1', 1), slot('n2', 2)], ['2', '1', '3']],
    ['select=3:ncpus=2', [slot('n1', 2, 1), slot('n1', 2, 1), slot('n2', 2, 1)], ['3', '2', '6']],
    ['ncpus=4', [slot('n1', 4, 1)], ['1', '4', '4']],
  ] as const)('%s', (_request, slots, [nodes, ppn, np]) => {
    expect(torqueSizeVariables([...slots])).toEqual([
      ['PBS_NUM_NODES', nodes],
      ['PBS_NUM_PPN', ppn],
      ['PBS_NP', np],
    ]);
  });
});
