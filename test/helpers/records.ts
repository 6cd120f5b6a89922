// Factories for valid JobRecord / NodeRecord values in tests: `makeJob({ state: 'R' })`,
// `makeJob({ spec: { account: 'acct' } })` (spec fields merge into the default spec), `makeNode({ ncpus: 2 })`.

import type { JobSpec } from '../../core/job-spec-types.js';
import { SUBSTATE } from '../../core/lifecycle/states.js';
import type { JobRecord, NodeRecord } from '../../core/record-types.js';
import type { SchedNode } from '../../core/scheduling/sched-node.js';

/** 2023-11-14 22:13:20 UTC */
export const T0 = 1_700_000_000;

export function makeSpec(overrides: Partial<JobSpec> = {}): JobSpec {
  return {
    name: 'STDIN',
    resources: {
      chunks: [{ count: 1, ncpus: 1, mpiprocs: 1, ompthreads: 1, labels: {} }],
      place: { arrangement: 'free' },
      list: { ncpus: '1', nodect: '1', place: 'free', select: '1:ncpus=1' },
    },
    join: 'n',
    keepFiles: 'n',
    hold: false,
    priority: 0,
    variables: [
      ['PBS_O_HOME', '/home/alice'],
      ['PBS_O_QUEUE', 'workq'],
      ['PBS_O_WORKDIR', '/home/alice'],
      ['PBS_O_HOST', 'submit.example.com'],
    ],
    project: '_pbs_project_default',
    rerunable: true,
    checkpoint: 'u',
    mailPoints: 'a',
    submitArgs: '',
    workdir: '/home/alice',
    submitHost: 'submit.example.com',
    user: 'alice',
    ...overrides,
  };
}

export type JobOverrides = Partial<Omit<JobRecord, 'spec'>> & { spec?: Partial<JobSpec> };

export function makeJob(overrides: JobOverrides = {}): JobRecord {
  const { spec, ...rest } = overrides;
  const seq = rest.seq ?? 1;
  const state = rest.state ?? 'Q';
  return {
    id: `${seq}.svr`,
    seq,
    state,
    substate: SUBSTATE[state] ?? 10,
    owner: 'alice@submit.example.com',
    name: spec?.name ?? 'STDIN',
    queue: 'workq',
    server: 'svr',
    spec: makeSpec(spec),
    holdTypes: 'n',
    outputPath: `submit.example.com:/home/alice/STDIN.o${seq}`,
    errorPath: `submit.example.com:/home/alice/STDIN.e${seq}`,
    ctime: T0,
    qtime: T0,
    mtime: T0,
    runCount: 0,
    ...rest,
  };
}

export function makeNode(overrides: Partial<NodeRecord> = {}): NodeRecord {
  return {
    name: 'node1',
    host: 'node1',
    state: 'free',
    ncpus: 4,
    mem: 8 * 1024 ** 3,
    ngpus: 0,
    assignedNcpus: 0,
    assignedMem: 0,
    assignedNgpus: 0,
    labels: {},
    jobs: [],
    lastStateChange: T0,
    ...overrides,
  };
}

/** A scheduler node (4 CPUs, 8 GiB, empty, available unless overridden). */
export function makeSchedNode(name: string, overrides: Partial<SchedNode> = {}): SchedNode {
  return {
    name,
    ncpus: 4,
    mem: 8 * 1024 ** 3,
    ngpus: 0,
    labels: {},
    usedNcpus: 0,
    usedMem: 0,
    usedGpus: [],
    jobCount: 0,
    exclusive: false,
    available: true,
    ...overrides,
  };
}
