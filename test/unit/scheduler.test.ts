import { describe, expect, it } from 'vitest';
import type { SchedNode } from '../../core/scheduling/sched-node.js';
import {
  byPriority,
  neverRunReason,
  type Plan,
  type SchedJob,
  schedule,
} from '../../core/scheduling/scheduler.js';
import { makeSchedNode } from '../helpers/records.js';
import { resources } from '../helpers/requests.js';

const GB = 1024 ** 3;

const node = makeSchedNode;

function job(seq: number, l: string | string[], priority = 0): SchedJob {
  return { seq, id: `${seq}.svr`, priority, resources: resources(...(Array.isArray(l) ? l : [l])) };
}

/** Each placed job as `seq → [node of each slot]`, in the order the plan placed them. */
function placed(plan: Plan): [number, string[]][] {
  return plan.placements.map((p) => [p.seq, p.slots.map((s) => s.node)]);
}

const NOW = 1_700_000_000;

describe('byPriority', () => {
  it('orders by priority (highest first), then by submission order', () => {
    const jobs = [job(3, 'ncpus=1', 0), job(1, 'ncpus=1', 0), job(4, 'ncpus=1', 5), job(2, 'ncpus=1', -5)];
    expect([...jobs].sort(byPriority).map((j) => j.seq)).toEqual([4, 1, 3, 2]);
  });

  it('takes the place qorder gave a job (its rank) instead of its seq among jobs of its priority', () => {
    const swapped = [job(1, 'ncpus=1'), { ...job(2, 'ncpus=1'), rank: 3 }, { ...job(3, 'ncpus=1'), rank: 2 }];
    expect([...swapped].sort(byPriority).map((j) => j.seq)).toEqual([1, 3, 2]);
    const plan = schedule({ now: NOW, jobs: swapped.slice(1), nodes: [node('n1', { ncpus: 1 })] });
    expect(placed(plan)).toEqual([[3, ['n1']]]);
  });
});

interface Case {
  name: string;
  nodes: SchedNode[];
  jobs: SchedJob[];
  placed: [number, string[]][];
  waiting: { seq: number; reason: string | RegExp }[];
}

const CASES: Case[] = [
  {
    name: 'priority first, then submission order; the last one waits',
    nodes: [node('n1', { ncpus: 2 })],
    jobs: [job(1, 'ncpus=1'), job(2, 'ncpus=1', 10), job(3, 'ncpus=1')],
    placed: [
      [2, ['n1']],
      [1, ['n1']],
    ],
    waiting: [{ seq: 3, reason: 'Not Running: Insufficient amount of resource: ncpus (R: 1 A: 0 T: 2)' }],
  },
  {
    name: 'several jobs share one node while they fit',
    nodes: [node('n1', { ncpus: 8 })],
    jobs: [job(1, 'ncpus=2'), job(2, 'ncpus=2'), job(3, 'ncpus=3'), job(4, 'ncpus=2')],
    placed: [
      [1, ['n1']],
      [2, ['n1']],
      [3, ['n1']],
    ],
    waiting: [{ seq: 4, reason: 'Not Running: Insufficient amount of resource: ncpus (R: 2 A: 1 T: 8)' }],
  },
  {
    name: 'a job that does not fit the free CPUs waits with the PBS reason',
    nodes: [node('n1', { ncpus: 4, usedNcpus: 3, jobCount: 1 })],
    jobs: [job(1, 'ncpus=2')],
    placed: [],
    waiting: [{ seq: 1, reason: 'Not Running: Insufficient amount of resource: ncpus (R: 2 A: 1 T: 4)' }],
  },
  {
    name: 'the free CPUs of every available node count in the reason',
    nodes: [
      node('n1', { ncpus: 4, usedNcpus: 4, jobCount: 1 }),
      node('n2', { ncpus: 4, usedNcpus: 3, jobCount: 1 }),
    ],
    jobs: [job(1, 'select=2:ncpus=1')],
    placed: [],
    waiting: [{ seq: 1, reason: 'Not Running: Insufficient amount of resource: ncpus (R: 2 A: 1 T: 8)' }],
  },
  {
    name: 'a smaller lower-priority job is placed while a larger one waits',
    nodes: [node('n1', { ncpus: 4, usedNcpus: 2, jobCount: 1 })],
    jobs: [job(1, 'ncpus=4', 10), job(2, 'ncpus=2', 0)],
    placed: [[2, ['n1']]],
    waiting: [{ seq: 1, reason: 'Not Running: Insufficient amount of resource: ncpus (R: 4 A: 2 T: 4)' }],
  },
  {
    name: 'memory is a constraint: the second job waits for mem, not CPUs',
    nodes: [node('n1', { ncpus: 4, mem: 4 * GB })],
    jobs: [
      job(1, 'select=1:ncpus=1:mem=3gb'),
      job(2, 'select=1:ncpus=1:mem=2gb'),
      job(3, 'select=1:ncpus=1:mem=1gb'),
    ],
    placed: [
      [1, ['n1']],
      [3, ['n1']],
    ],
    waiting: [
      { seq: 2, reason: /^Not Running: Insufficient amount of resource: mem \(R: .+ A: .+ T: .+\)$/ },
    ],
  },
  {
    name: 'place=free spreads chunks over nodes, starting with the one with most free CPUs',
    nodes: [
      node('n1', { ncpus: 4, usedNcpus: 1, jobCount: 1 }),
      node('n2', { ncpus: 4, usedNcpus: 2, jobCount: 1 }),
    ],
    jobs: [job(1, 'select=2:ncpus=2')],
    placed: [[1, ['n1', 'n2']]],
    waiting: [],
  },
  {
    name: 'place=pack keeps all chunks on one node',
    nodes: [node('n1', { ncpus: 4 }), node('n2', { ncpus: 4 })],
    jobs: [job(1, ['select=2:ncpus=2', 'place=pack'])],
    placed: [[1, ['n1', 'n1']]],
    waiting: [],
  },
  {
    name: 'place=pack waits when no single node holds every chunk, though the cluster has room',
    nodes: [
      node('n1', { ncpus: 4, usedNcpus: 1, jobCount: 1 }),
      node('n2', { ncpus: 4, usedNcpus: 2, jobCount: 1 }),
    ],
    jobs: [job(1, ['select=2:ncpus=2', 'place=pack'])],
    placed: [],
    waiting: [{ seq: 1, reason: 'Not Running: Insufficient amount of resource on any single node' }],
  },
  {
    name: 'place=scatter puts each chunk on a distinct node',
    nodes: [node('n1', { ncpus: 8 }), node('n2', { ncpus: 8 }), node('n3', { ncpus: 8 })],
    jobs: [job(1, ['select=3:ncpus=1', 'place=scatter'])],
    placed: [[1, ['n1', 'n2', 'n3']]],
    waiting: [],
  },
  {
    name: 'place=scatter waits when there are fewer nodes than chunks',
    nodes: [node('n1', { ncpus: 8 }), node('n2', { ncpus: 8 })],
    jobs: [job(1, ['select=3:ncpus=1', 'place=scatter'])],
    placed: [],
    waiting: [{ seq: 1, reason: /^Not Running: / }],
  },
  {
    name: 'offline or down nodes are skipped',
    nodes: [node('n1', { ncpus: 16, available: false }), node('n2', { ncpus: 2 })],
    jobs: [job(1, 'ncpus=1'), job(2, 'ncpus=1'), job(3, 'ncpus=1')],
    placed: [
      [1, ['n2']],
      [2, ['n2']],
    ],
    waiting: [{ seq: 3, reason: 'Not Running: Insufficient amount of resource: ncpus (R: 1 A: 0 T: 2)' }],
  },
  {
    name: 'with no available node every job waits',
    nodes: [node('n1', { available: false })],
    jobs: [job(1, 'ncpus=1')],
    placed: [],
    waiting: [{ seq: 1, reason: 'Not Running: No available nodes' }],
  },
  {
    name: 'place=excl takes a whole node: later jobs do not share it',
    nodes: [node('n1', { ncpus: 8 })],
    jobs: [job(1, ['select=1:ncpus=1', 'place=excl']), job(2, 'ncpus=1')],
    placed: [[1, ['n1']]],
    waiting: [{ seq: 2, reason: /^Not Running: / }],
  },
  {
    name: 'place=excl waits for a node with no jobs',
    nodes: [node('n1', { ncpus: 8, usedNcpus: 1, jobCount: 1 }), node('n2', { ncpus: 2 })],
    jobs: [job(1, ['select=1:ncpus=1', 'place=excl']), job(2, ['select=1:ncpus=4', 'place=excl'])],
    placed: [[1, ['n2']]],
    waiting: [{ seq: 2, reason: /^Not Running: / }],
  },
  {
    name: 'a node held exclusively by a running job is skipped',
    nodes: [node('n1', { ncpus: 8, usedNcpus: 1, jobCount: 1, exclusive: true }), node('n2', { ncpus: 1 })],
    jobs: [job(1, 'ncpus=1'), job(2, 'ncpus=1')],
    placed: [[1, ['n2']]],
    waiting: [{ seq: 2, reason: /^Not Running: / }],
  },
  {
    name: 'a label goes only to a node labelled so',
    nodes: [node('n1', { ncpus: 8 }), node('n2', { ncpus: 2, labels: { gpu: 'true' } })],
    jobs: [job(1, 'select=1:ncpus=1:gpu=true'), job(2, 'ncpus=1')],
    placed: [
      [1, ['n2']],
      [2, ['n1']],
    ],
    waiting: [],
  },
  {
    name: 'a label no node has waits and says so',
    nodes: [node('n1', { ncpus: 8, labels: { gpu: 'false' } })],
    jobs: [job(1, 'select=1:ncpus=1:gpu=true')],
    placed: [],
    waiting: [{ seq: 1, reason: 'Not Running: No node has resource gpu=true' }],
  },
  {
    name: 'host= names the node',
    nodes: [node('n1', { ncpus: 8 }), node('n2', { ncpus: 2 })],
    jobs: [job(1, 'select=1:ncpus=1:host=n2')],
    placed: [[1, ['n2']]],
    waiting: [],
  },
];

describe('schedule', () => {
  it.each(CASES)('$name', (c) => {
    const plan = schedule({ now: NOW, jobs: c.jobs, nodes: c.nodes });
    expect(placed(plan)).toEqual(c.placed);
    expect(plan.waiting.map((w) => w.seq)).toEqual(c.waiting.map((w) => w.seq));
    plan.waiting.forEach((w, i) => {
      const want = c.waiting[i]!.reason;
      if (typeof want === 'string') expect(w.reason).toBe(want);
      else expect(w.reason).toMatch(want);
    });
  });

  it('does not change the snapshot it is given', () => {
    const nodes = [node('n1', { ngpus: 2, usedGpus: [1] })];
    const copy = structuredClone(nodes);
    schedule({ now: NOW, jobs: [job(1, 'select=1:ncpus=2:ngpus=1')], nodes });
    expect(nodes).toEqual(copy);
  });

  it('slots carry the chunk resources: ncpus, mem, mpiprocs, ompthreads', () => {
    const plan = schedule({
      now: NOW,
      jobs: [job(1, 'select=2:ncpus=2:mem=1gb:mpiprocs=2')],
      nodes: [node('n1', { ncpus: 8 })],
    });
    expect(plan.placements).toEqual([
      {
        seq: 1,
        id: '1.svr',
        exclusive: false,
        slots: [
          { node: 'n1', ncpus: 2, mem: GB, gpus: [], mpiprocs: 2, ompthreads: 2 },
          { node: 'n1', ncpus: 2, mem: GB, gpus: [], mpiprocs: 2, ompthreads: 2 },
        ],
      },
    ]);
  });

  it('marks an excl placement exclusive', () => {
    const plan = schedule({
      now: NOW,
      jobs: [job(1, ['select=1:ncpus=1', 'place=excl'])],
      nodes: [node('n1')],
    });
    expect(plan.placements[0]?.exclusive).toBe(true);
  });

  it('gives each GPU chunk distinct GPU indices, within a job and across jobs', () => {
    const plan = schedule({
      now: NOW,
      jobs: [
        job(1, 'select=2:ncpus=1:ngpus=1'),
        job(2, 'select=1:ncpus=1:ngpus=2'),
        job(3, 'select=1:ncpus=1:ngpus=1'),
      ],
      nodes: [node('n1', { ncpus: 8, ngpus: 4 })],
    });
    expect(plan.placements.map((p) => [p.seq, p.slots.map((s) => s.gpus)])).toEqual([
      [1, [[0], [1]]],
      [2, [[2, 3]]],
    ]);
    expect(plan.waiting).toEqual([
      { seq: 3, reason: 'Not Running: Insufficient amount of resource: ngpus (R: 1 A: 0 T: 4)' },
    ]);
  });

  it('skips GPU indices already in use on the node', () => {
    const plan = schedule({
      now: NOW,
      jobs: [job(1, 'select=1:ncpus=1:ngpus=2')],
      nodes: [node('n1', { ngpus: 4, usedGpus: [0, 2], jobCount: 1, usedNcpus: 1 })],
    });
    expect(plan.placements[0]?.slots[0]?.gpus).toEqual([1, 3]);
  });

  it('a job with no pending work makes an empty plan', () => {
    expect(schedule({ now: NOW, jobs: [], nodes: [node('n1')] })).toEqual({
      placements: [],
      waiting: [],
      estimates: [],
    });
  });
});

describe('EASY backfill', () => {
  // n1 and n2 have 4 CPUs; 2 of n1's run a job until NOW+100, n2's 4 run one until NOW+1000
  const busy = [node('n1', { usedNcpus: 2 }), node('n2', { usedNcpus: 4 })];
  const running = [
    { end: NOW + 100, slots: [{ node: 'n1', ncpus: 2, mem: 0, gpus: [] }] },
    { end: NOW + 1000, slots: [{ node: 'n2', ncpus: 4, mem: 0, gpus: [] }] },
  ];
  const top = job(1, 'select=1:ncpus=4:mem=1gb', 10);

  it('reserves the earliest start for the top job and lets a short job run ahead of it', () => {
    const short = job(2, ['ncpus=1', 'walltime=50']);
    const long = job(3, ['ncpus=1', 'walltime=500']);
    const plan = schedule({ now: NOW, nodes: busy, running, jobs: [top, short, long] });
    expect(plan.estimates).toEqual([{ seq: 1, start: NOW + 100 }]);
    expect(placed(plan)).toEqual([[2, ['n1']]]);
    expect(plan.waiting).toContainEqual({
      seq: 3,
      reason: 'Not Running: Job would conflict with reservation or top job',
    });
  });

  it('a job without walltime may not run ahead when it would take the reserved CPUs', () => {
    const unlimited = job(2, 'ncpus=1');
    const plan = schedule({ now: NOW, nodes: busy, running, jobs: [top, unlimited] });
    expect(placed(plan)).toEqual([]);
  });

  it('a long job runs ahead where it takes nothing the top job needs', () => {
    const three = [...busy, node('n3', { ncpus: 2 })];
    const long = job(2, ['ncpus=2', 'walltime=5000']);
    const plan = schedule({ now: NOW, nodes: three, running, jobs: [top, long] });
    expect(placed(plan)).toEqual([[2, ['n3']]]);
    expect(plan.estimates).toEqual([{ seq: 1, start: NOW + 100 }]);
  });

  it('no reservation when only jobs without walltime hold what the top job needs', () => {
    const forever = [{ slots: [{ node: 'n1', ncpus: 3, mem: 0, gpus: [] }] }];
    const plan = schedule({
      now: NOW,
      nodes: [node('n1', { usedNcpus: 3 })],
      running: forever,
      jobs: [top, job(2, 'ncpus=1')],
    });
    expect(plan.estimates).toEqual([]);
    expect(placed(plan)).toEqual([[2, ['n1']]]);
  });
});

describe('neverRunReason', () => {
  it('names the shortfall for a job larger than every node', () => {
    const nodes = [node('n1', { ncpus: 8 }), node('n2', { ncpus: 4 })];
    expect(neverRunReason(resources('select=1:ncpus=10'), nodes)).toBe(
      'Insufficient amount of resource: ncpus (R: 10 A: 8 T: 8)',
    );
    expect(neverRunReason(resources('select=1:ncpus=16'), nodes)).toBe(
      'Insufficient amount of resource: ncpus (R: 16 A: 12 T: 12)',
    );
  });

  it('names a label no node has', () => {
    expect(neverRunReason(resources('select=1:ncpus=1:gpu=true'), [node('n1')])).toBe(
      'No node has resource gpu=true',
    );
  });

  it('refuses more GPUs than any node has', () => {
    expect(neverRunReason(resources('select=1:ncpus=1:ngpus=2'), [node('n1', { ngpus: 1 })])).toMatch(
      /ngpus/,
    );
  });

  it('is undefined for a job that fits an empty node, even when every node is full now', () => {
    const nodes = [
      node('n1', { ncpus: 4, usedNcpus: 4, usedMem: 8 * GB, jobCount: 2 }),
      node('n2', { ncpus: 4, usedNcpus: 3, jobCount: 1, exclusive: true }),
    ];
    const request = resources('select=1:ncpus=4:mem=4gb', 'place=excl');
    expect(
      schedule({ now: NOW, jobs: [{ seq: 1, id: '1.svr', priority: 0, resources: request }], nodes })
        .placements,
    ).toEqual([]);
    expect(neverRunReason(request, nodes)).toBeUndefined();
  });

  it('is undefined for a job that fits only with scatter over several nodes', () => {
    const nodes = [node('n1', { ncpus: 2 }), node('n2', { ncpus: 2 })];
    expect(neverRunReason(resources('select=2:ncpus=2', 'place=scatter'), nodes)).toBeUndefined();
    expect(neverRunReason(resources('select=2:ncpus=2', 'place=pack'), nodes)).toBeDefined();
  });
});

describe('nodes a job must avoid', () => {
  it('places a job only on the nodes it does not avoid, others as before', () => {
    const nodes = [node('n1', { ncpus: 4 }), node('n2', { ncpus: 1 })];
    const avoiding = { ...job(1, 'ncpus=1'), avoid: new Set(['n1']) };
    const plan = schedule({ now: NOW, jobs: [avoiding, job(2, 'ncpus=1')], nodes });
    expect(placed(plan)).toEqual([
      [1, ['n2']],
      [2, ['n1']],
    ]);
  });

  it('says so when no node is left to it, and waits normally while one is only busy', () => {
    const nodes = [node('n1', { ncpus: 2 }), node('n2', { ncpus: 2, usedNcpus: 2, jobCount: 1 })];
    const none = { ...job(1, 'ncpus=1'), avoid: new Set(['n2', 'n1']) };
    const busy = { ...job(2, 'ncpus=1'), avoid: new Set(['n1']) };
    const plan = schedule({ now: NOW, jobs: [none, busy], nodes });
    expect(plan.placements).toEqual([]);
    expect(plan.waiting).toEqual([
      { seq: 1, reason: 'Not Running: no eligible node left (excluded: n1, n2)' },
      { seq: 2, reason: 'Not Running: Insufficient amount of resource: ncpus (R: 1 A: 0 T: 2)' },
    ]);
  });
});
