// Advance reservations in the pure scheduler: confirmation over the whole window, and the jobs
// that may or may not use what a confirmed reservation keeps.
import { describe, expect, it } from 'vitest';
import {
  confirmPlacement,
  keptBy,
  overlaps,
  type ResvWindow,
} from '../../core/scheduling/advance-reservations.js';
import type { Holding } from '../../core/scheduling/backfill.js';
import { type SchedJob, schedule } from '../../core/scheduling/scheduler.js';
import { makeSchedNode } from '../helpers/records.js';
import { resources } from '../helpers/requests.js';

const NOW = 1_700_000_000;
const CONFLICT = 'Not Running: Job would conflict with reservation or top job';

function job(seq: number, l: string, queue = 'workq'): SchedJob {
  return { seq, id: `${seq}.svr`, priority: 0, queue, resources: resources(l) };
}

/** A running job holding `ncpus` of n1 until `end` (none: for ever). */
function holding(ncpus: number, end?: number, queue = 'workq'): Holding {
  return { ...(end !== undefined ? { end } : {}), queue, slots: [{ node: 'n1', ncpus, mem: 0, gpus: [] }] };
}

/** A reservation R1 keeping `ncpus` of n1 from `start` to `end`. */
function window(ncpus: number, start: number, end: number, queue = 'R1'): ResvWindow {
  return { queue, start, end, nodes: [{ node: 'n1', ncpus, mem: 0, gpus: [] }] };
}

describe('overlaps', () => {
  const w = { start: NOW + 100, end: NOW + 200 };
  it('is true for a job still running at the window, false for one that ends before it', () => {
    expect(overlaps(w, NOW, 100)).toBe(false);
    expect(overlaps(w, NOW, 101)).toBe(true);
    expect(overlaps(w, NOW, undefined)).toBe(true);
    expect(overlaps(w, NOW + 150, 1)).toBe(true);
    expect(overlaps(w, NOW + 200, undefined)).toBe(false);
  });
});

describe('confirmPlacement', () => {
  const n1 = makeSchedNode('n1', { ncpus: 4, usedNcpus: 3 });
  const asked = resources('select=1:ncpus=2');
  const at = { start: NOW + 100, end: NOW + 200 };

  it('counts a running job until its walltime ends, and for ever without one', () => {
    expect(confirmPlacement(asked, at, [n1], [holding(3, NOW + 100)], [])).toMatchObject({
      slots: [{ node: 'n1', ncpus: 2 }],
    });
    expect(confirmPlacement(asked, at, [n1], [holding(3, NOW + 101)], [])).toEqual({
      reason: 'Insufficient amount of resource: ncpus (R: 2 A: 1 T: 4)',
    });
    expect(confirmPlacement(asked, at, [n1], [holding(3)], [])).toMatchObject({ reason: /ncpus/ });
  });

  it('counts what other reservations keep at any moment of the window', () => {
    const idle = makeSchedNode('n1', { ncpus: 4 });
    const early = window(3, NOW + 10, NOW + 100);
    const inside = window(3, NOW + 150, NOW + 160);
    expect(confirmPlacement(asked, at, [idle], [], [early])).toMatchObject({ slots: [{ ncpus: 2 }] });
    expect(confirmPlacement(asked, at, [idle], [], [inside])).toEqual({
      reason: 'Insufficient amount of resource: ncpus (R: 2 A: 1 T: 4)',
    });
    // two that follow each other never add up
    const a = window(2, NOW + 100, NOW + 150);
    const b = window(2, NOW + 150, NOW + 200, 'R2');
    expect(confirmPlacement(asked, at, [idle], [], [a, b])).toMatchObject({ slots: [{ ncpus: 2 }] });
  });

  it('does not count twice a reservation and the jobs that run in it', () => {
    const idle = makeSchedNode('n1', { ncpus: 4, usedNcpus: 2 });
    const running = window(2, NOW - 10, NOW + 150);
    expect(confirmPlacement(asked, at, [idle], [holding(2, undefined, 'R1')], [running])).toMatchObject({
      slots: [{ ncpus: 2 }],
    });
  });

  it('denies more than the nodes have', () => {
    const idle = makeSchedNode('n1', { ncpus: 4 });
    expect(confirmPlacement(resources('select=1:ncpus=8'), at, [idle], [], [])).toEqual({
      reason: 'Insufficient amount of resource: ncpus (R: 8 A: 4 T: 4)',
    });
  });

  it('keeps whole nodes for an exclusive reservation', () => {
    const idle = makeSchedNode('n1', { ncpus: 4, ngpus: 2 });
    const slots = [{ node: 'n1', ncpus: 1, mem: 0, gpus: [], mpiprocs: 1, ompthreads: 1 }];
    expect(keptBy(slots, [idle], true)).toEqual([{ node: 'n1', ncpus: 4, mem: idle.mem, gpus: [0, 1] }]);
    expect(keptBy(slots, [idle], false)).toEqual([{ node: 'n1', ncpus: 1, mem: 0, gpus: [] }]);
  });
});

describe('schedule with a confirmed reservation of 2 of 4 CPUs', () => {
  const nodes = [makeSchedNode('n1', { ncpus: 4 })];
  const soon = window(2, NOW + 100, NOW + 200);
  const plan = (jobs: SchedJob[], reservations: ResvWindow[], now = NOW, running: Holding[] = []) =>
    schedule({ now, jobs, nodes, reservations, running });

  it('lets a job that ends before the window use what it keeps; not one that would still run', () => {
    const p = plan([job(1, 'ncpus=3,walltime=00:05:00'), job(2, 'ncpus=2,walltime=00:01:40')], [soon]);
    expect(p.placements.map((x) => x.seq)).toEqual([2]);
    expect(p.waiting).toEqual([{ seq: 1, reason: CONFLICT }]);
  });

  it('keeps a job without walltime off what it keeps, but lets it use the rest', () => {
    const p = plan([job(1, 'ncpus=3'), job(2, 'ncpus=2')], [soon]);
    expect(p.waiting).toEqual([{ seq: 1, reason: CONFLICT }]);
    expect(p.placements.map((x) => x.seq)).toEqual([2]);
  });

  it("runs the reservation's jobs only inside its window, on what it keeps", () => {
    const before = plan([job(1, 'ncpus=1', 'R1')], [soon]);
    expect(before.waiting).toEqual([{ seq: 1, reason: 'Not Running: Queue R1 is not started' }]);
    const inside = plan(
      [job(1, 'ncpus=2', 'R1'), job(2, 'ncpus=1', 'R1'), job(3, 'ncpus=2')],
      [soon],
      NOW + 100,
    );
    expect(inside.placements.map((x) => x.seq)).toEqual([1, 3]);
    expect(inside.waiting).toEqual([
      { seq: 2, reason: 'Not Running: Insufficient amount of resource: ncpus (R: 1 A: 0 T: 4)' },
    ]);
    const after = plan([job(1, 'ncpus=1', 'R1')], [soon], NOW + 200);
    expect(after.waiting).toEqual([{ seq: 1, reason: 'Not Running: Queue R1 is not started' }]);
  });

  it("counts what the reservation's running jobs already use of it", () => {
    const busy = [makeSchedNode('n1', { ncpus: 4, usedNcpus: 1 })];
    const running = [holding(1, undefined, 'R1')];
    const p = schedule({
      now: NOW + 120,
      jobs: [job(1, 'ncpus=2', 'R1'), job(2, 'ncpus=1', 'R1'), job(3, 'ncpus=2')],
      nodes: busy,
      reservations: [soon],
      running,
    });
    expect(p.placements.map((x) => x.seq)).toEqual([2, 3]);
  });
});
