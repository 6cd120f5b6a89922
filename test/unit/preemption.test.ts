// Preemption's pure parts: preempt_order as OpenPBS reads it, the methods that apply to a job, and
// the choice of the cheapest set of running jobs that makes room for an express queue's job.
import { describe, expect, it } from 'vitest';
import {
  formatPreemptOrder,
  methodsFor,
  type PreemptRange,
  parsePreemptOrder,
} from '../../core/scheduling/preempt-order.js';
import {
  applicableMethods,
  choosePreemptions,
  type PreemptionInput,
  type Preemptor,
  type RunningJob,
} from '../../core/scheduling/preemption.js';
import type { SchedNode } from '../../core/scheduling/sched-node.js';
import { makeSchedNode } from '../helpers/records.js';
import { resources } from '../helpers/requests.js';

const NOW = 1_700_000_000;

function order(text: string): PreemptRange[] {
  const r = parsePreemptOrder(text);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('preempt_order', () => {
  it.each([
    ['SCR', [{ high: 100, low: 0, methods: ['S', 'C', 'R'] }]],
    ['R', [{ high: 100, low: 0, methods: ['R'] }]],
    [
      'SCR 80 SC 50 S',
      [
        { high: 100, low: 81, methods: ['S', 'C', 'R'] },
        { high: 80, low: 51, methods: ['S', 'C'] },
        { high: 50, low: 0, methods: ['S'] },
      ],
    ],
    [
      '  CR  50  S ',
      [
        { high: 100, low: 51, methods: ['C', 'R'] },
        { high: 50, low: 0, methods: ['S'] },
      ],
    ],
  ])('reads %j', (text, ranges) => {
    expect(parsePreemptOrder(text)).toEqual({ ok: true, value: ranges });
  });

  it('writes the canonical text back', () => {
    expect(formatPreemptOrder(order('  CR  50  S '))).toBe('CR 50 S');
    expect(formatPreemptOrder(order('SCR 80 SC 50 S'))).toBe('SCR 80 SC 50 S');
  });

  it.each([
    ['', 'empty'],
    ['SSR', 'each of S, C and R at most once'],
    ['SCRX', 'each of S, C and R at most once'],
    ['SD', 'D, deletion, is not offered'],
    ['SCR 80', 'it starts and ends with methods'],
    ['80 S', 'it starts and ends with methods'],
    ['S 5x R', '5x is not a percentage'],
    ['S 50 C 60 R', 'the percentages fall from 99 to 1'],
    ['S 100 R', 'is not a percentage'],
    ['S 0 R', 'the percentages fall'],
  ])('refuses %j (%s)', (text, why) => {
    const r = parsePreemptOrder(text);
    expect(r).toMatchObject({ ok: false, error: { code: 'BAD_RESOURCE_VALUE' } });
    expect(!r.ok && r.error.message).toMatch(/^Illegal attribute or resource value preempt_order \(/);
    expect(!r.ok && r.error.message).toContain(why);
  });

  it('chooses the range by the percentage of walltime left, as get_preemption_order does', () => {
    const ranges = order('SCR 80 SC 50 S');
    expect(methodsFor(ranges, 100, 10)).toEqual(['S', 'C', 'R']); // 90 % left
    expect(methodsFor(ranges, 100, 19)).toEqual(['S', 'C', 'R']); // 81 %
    expect(methodsFor(ranges, 100, 20)).toEqual(['S', 'C']); // 80 %
    expect(methodsFor(ranges, 100, 50)).toEqual(['S']); // 50 %
    expect(methodsFor(ranges, 100, 250)).toEqual(['S']); // over its walltime: 1 %
    expect(methodsFor(ranges, undefined, 5000)).toEqual(['S', 'C', 'R']); // no walltime: the first
    expect(methodsFor(order('R'), 100, 99)).toEqual(['R']);
  });
});

function running(
  seq: number,
  over: Partial<RunningJob> & { node?: string; ncpus?: number } = {},
): RunningJob {
  const { node = 'n1', ncpus = 2, ...rest } = over;
  return {
    seq,
    id: `${seq}.svr`,
    slots: [{ node, ncpus, mem: 0, gpus: [], mpiprocs: 1, ompthreads: ncpus }],
    exclusive: false,
    queuePriority: 0,
    checkpointable: false,
    rerunnable: true,
    stime: NOW - 100,
    ...rest,
  };
}

/** The nodes with the running jobs' use on them. */
function nodesWith(specs: [string, number][], jobs: RunningJob[]): SchedNode[] {
  return specs.map(([name, ncpus]) => {
    const mine = jobs.filter((j) => j.slots.some((s) => s.node === name));
    const used = mine.flatMap((j) => j.slots).filter((s) => s.node === name);
    return makeSchedNode(name, {
      ncpus,
      usedNcpus: used.reduce((n, s) => n + s.ncpus, 0),
      jobCount: mine.length,
      exclusive: mine.some((j) => j.exclusive),
    });
  });
}

function express(seq: number, l: string | string[] = 'select=1:ncpus=2'): Preemptor {
  return { seq, id: `${seq}.svr`, resources: resources(...[l].flat()), queuePriority: 200 };
}

function input(
  nodes: [string, number][],
  jobs: RunningJob[],
  preemptors: Preemptor[],
  more: Partial<PreemptionInput> = {},
): PreemptionInput {
  return {
    now: NOW,
    nodes: nodesWith(nodes, jobs),
    running: jobs,
    preemptors,
    order: order('SCR'),
    expressPriority: 150,
    canSuspend: false,
    ...more,
  };
}

describe('applicableMethods', () => {
  it('keeps the methods of the order the job allows, in order', () => {
    const ranges = order('SCR');
    const both = running(1, { checkpointable: true, rerunnable: true });
    expect(applicableMethods(both, ranges, NOW, false)).toEqual(['C', 'R']);
    expect(applicableMethods(both, ranges, NOW, true)).toEqual(['S', 'C', 'R']);
    expect(applicableMethods(running(2, { rerunnable: false }), ranges, NOW, false)).toEqual([]);
    expect(
      applicableMethods(running(3, { checkpointable: true, rerunnable: false }), order('R'), NOW, true),
    ).toEqual([]);
  });
});

describe('choosePreemptions', () => {
  it('preempts the running job of a normal queue that holds what the express job needs', () => {
    const victim = running(1, { checkpointable: true });
    const d = choosePreemptions(input([['n1', 2]], [victim], [express(9)]));
    expect(d).toEqual([{ seq: 9, kind: 'preempt', victims: [{ seq: 1, id: '1.svr', methods: ['C', 'R'] }] }]);
  });

  it("never preempts an express queue's job, nor a job no method of the order applies to", () => {
    const jobs = [
      running(1, { node: 'n1', queuePriority: 150 }),
      running(2, { node: 'n2', rerunnable: false }),
      running(3, { node: 'n3', checkpointable: true, rerunnable: false }),
    ];
    const nodes: [string, number][] = [
      ['n1', 2],
      ['n2', 2],
      ['n3', 2],
    ];
    expect(choosePreemptions(input(nodes, jobs, [express(9)], { order: order('R') }))).toEqual([
      { seq: 9, kind: 'none' },
    ]);
    // with C in the order the checkpointable one goes
    const d = choosePreemptions(input(nodes, jobs, [express(9)], { order: order('CR') }));
    expect(d).toEqual([{ seq: 9, kind: 'preempt', victims: [{ seq: 3, id: '3.svr', methods: ['C'] }] }]);
    // S applies to any job where suspension is offered
    const s = choosePreemptions(input([['n2', 2]], jobs.slice(1, 2), [express(9)], { canSuspend: true }));
    expect(s).toEqual([{ seq: 9, kind: 'preempt', victims: [{ seq: 2, id: '2.svr', methods: ['S'] }] }]);
  });

  it('chooses the cheapest set: the jobs that started last, fewest CPU-seconds lost', () => {
    const jobs = [
      running(1, { node: 'n1', ncpus: 2, stime: NOW - 5000 }),
      running(2, { node: 'n2', ncpus: 1, stime: NOW - 10 }),
      running(3, { node: 'n2', ncpus: 1, stime: NOW - 20 }),
    ];
    const nodes: [string, number][] = [
      ['n1', 2],
      ['n2', 2],
    ];
    const d = choosePreemptions(input(nodes, jobs, [express(9)]));
    expect(d).toEqual([
      {
        seq: 9,
        kind: 'preempt',
        victims: [
          { seq: 2, id: '2.svr', methods: ['R'] },
          { seq: 3, id: '3.svr', methods: ['R'] },
        ],
      },
    ]);
  });

  it('weighs node by node: the cheapest node wins over the first one found to be enough', () => {
    // by cost a (10), c (20), d (96), b (100): taken in that order n2 is enough first, with c and d
    // (116), but all of n1, a and b, costs less (110)
    const jobs = [
      running(1, { node: 'n1', ncpus: 2, stime: NOW - 5 }),
      running(2, { node: 'n1', ncpus: 2, stime: NOW - 50 }),
      running(3, { node: 'n2', ncpus: 1, stime: NOW - 20 }),
      running(4, { node: 'n2', ncpus: 3, stime: NOW - 32 }),
    ];
    const nodes: [string, number][] = [
      ['n1', 4],
      ['n2', 4],
    ];
    const d = choosePreemptions(input(nodes, jobs, [express(9, 'select=1:ncpus=4')]));
    expect(d).toEqual([
      {
        seq: 9,
        kind: 'preempt',
        victims: [
          { seq: 1, id: '1.svr', methods: ['R'] },
          { seq: 2, id: '2.svr', methods: ['R'] },
        ],
      },
    ]);
  });

  it('drops a victim the job turns out not to need', () => {
    // in cost order 1 (n1) comes first, but the job fits only once 2 (n2, the whole node) goes
    const jobs = [
      running(1, { node: 'n1', ncpus: 1, stime: NOW - 1 }),
      running(2, { node: 'n2', ncpus: 4, stime: NOW - 100 }),
    ];
    const nodes: [string, number][] = [
      ['n1', 2],
      ['n2', 4],
    ];
    const d = choosePreemptions(input(nodes, jobs, [express(9, 'select=1:ncpus=4')]));
    expect(d).toEqual([{ seq: 9, kind: 'preempt', victims: [{ seq: 2, id: '2.svr', methods: ['R'] }] }]);
  });

  it('waits for the jobs already leaving instead of preempting more', () => {
    const jobs = [running(1, { node: 'n1', leaving: true }), running(2, { node: 'n2' })];
    const nodes: [string, number][] = [
      ['n1', 2],
      ['n2', 2],
    ];
    expect(choosePreemptions(input(nodes, jobs, [express(9)]))).toEqual([{ seq: 9, kind: 'wait' }]);
  });

  it('gives what it frees to one preemptor only: the next preempts other jobs', () => {
    const jobs = [running(1, { node: 'n1', stime: NOW - 10 }), running(2, { node: 'n2', stime: NOW - 20 })];
    const nodes: [string, number][] = [
      ['n1', 2],
      ['n2', 2],
    ];
    const d = choosePreemptions(input(nodes, jobs, [express(8), express(9)]));
    expect(d).toEqual([
      { seq: 8, kind: 'preempt', victims: [{ seq: 1, id: '1.svr', methods: ['R'] }] },
      { seq: 9, kind: 'preempt', victims: [{ seq: 2, id: '2.svr', methods: ['R'] }] },
    ]);
    // one leaving job serves the first; the second needs a victim of its own
    const leaving = [running(1, { node: 'n1', leaving: true }), running(2, { node: 'n2' })];
    expect(choosePreemptions(input(nodes, leaving, [express(8), express(9)]))).toEqual([
      { seq: 8, kind: 'wait' },
      { seq: 9, kind: 'preempt', victims: [{ seq: 2, id: '2.svr', methods: ['R'] }] },
    ]);
  });

  it('preempts nothing for a job that fits as things are (a limit keeps it waiting), or never could', () => {
    const jobs = [running(1, { node: 'n1' })];
    const nodes: [string, number][] = [
      ['n1', 2],
      ['n2', 2],
    ];
    expect(choosePreemptions(input(nodes, jobs, [express(9)]))).toEqual([{ seq: 9, kind: 'none' }]);
    expect(choosePreemptions(input(nodes, jobs, [express(9, 'select=1:ncpus=3')]))).toEqual([
      { seq: 9, kind: 'none' },
    ]);
  });

  it('keeps out of what advance reservations keep: no victim where the job could not go', () => {
    const jobs = [running(1, { node: 'n1' }), running(2, { node: 'n2', stime: NOW - 5000 })];
    const nodes: [string, number][] = [
      ['n1', 2],
      ['n2', 2],
    ];
    // n1 is kept by a reservation the express job would run into
    const around = (ns: SchedNode[]) =>
      ns.map((n) => (n.name === 'n1' ? { ...n, usedNcpus: n.ncpus + 2 } : n));
    const d = choosePreemptions(input(nodes, jobs, [{ ...express(9), around }]));
    expect(d).toEqual([{ seq: 9, kind: 'preempt', victims: [{ seq: 2, id: '2.svr', methods: ['R'] }] }]);
  });

  it('an exclusive job that fills a node frees it for an exclusive express job', () => {
    const jobs = [running(1, { node: 'n1', ncpus: 1, exclusive: true })];
    const d = choosePreemptions(input([['n1', 4]], jobs, [express(9, ['select=1:ncpus=1', 'place=excl'])]));
    expect(d).toEqual([{ seq: 9, kind: 'preempt', victims: [{ seq: 1, id: '1.svr', methods: ['R'] }] }]);
  });
});
