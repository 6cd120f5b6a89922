// Queue limits, pure: walltime rules at submission and running limits in a scheduling pass.
import { describe, expect, it } from 'vitest';
import { applyQueueWalltime, type SchedQueue } from '../../core/scheduling/queue-limits.js';
import { type SchedJob, schedule } from '../../core/scheduling/scheduler.js';
import { makeSchedNode } from '../helpers/records.js';
import { resources } from '../helpers/requests.js';

const node = makeSchedNode('n1', { ncpus: 8 });
const queue = (q: Partial<SchedQueue> & { name: string }): SchedQueue => ({
  priority: 0,
  started: true,
  running: 0,
  runningByUser: {},
  ...q,
});
let seq = 0;
const job = (queueName: string, user = 'alice', priority = 0): SchedJob => {
  seq += 1;
  return { seq, id: `${seq}.s`, priority, resources: resources('ncpus=1'), queue: queueName, user };
};

describe('applyQueueWalltime', () => {
  it('fills in the default walltime and refuses one above the maximum', () => {
    const r = applyQueueWalltime(resources('ncpus=1'), { name: 'q', defaultWalltime: 300, maxWalltime: 600 });
    expect(r).toMatchObject({ ok: true, value: { walltime: 300, list: { walltime: '00:05:00' } } });
    expect(applyQueueWalltime(resources('walltime=600'), { name: 'q', maxWalltime: 600 }).ok).toBe(true);
    expect(applyQueueWalltime(resources('walltime=601'), { name: 'q', maxWalltime: 600 })).toEqual({
      ok: false,
      error: {
        code: 'EXCEEDS_LIMITS',
        message:
          'Job violates queue and/or server resource limits (walltime 00:10:01 > 00:10:00, the most queue q allows)',
      },
    });
  });
});

describe('schedule with queue limits', () => {
  it('caps the running jobs of a queue and of one user in it, counting what already runs', () => {
    const jobs = [job('a'), job('a'), job('a'), job('b', 'alice'), job('b', 'alice'), job('b', 'bob')];
    const plan = schedule({
      now: 0,
      nodes: [node],
      jobs,
      queues: [queue({ name: 'a', maxRun: 2, running: 1 }), queue({ name: 'b', maxRunPerUser: 1 })],
    });
    expect(plan.placements.map((p) => p.seq)).toEqual([jobs[0]!.seq, jobs[3]!.seq, jobs[5]!.seq]);
    expect(plan.waiting).toEqual([
      { seq: jobs[1]!.seq, reason: 'Not Running: Queue a job limit has been reached' },
      { seq: jobs[2]!.seq, reason: 'Not Running: Queue a job limit has been reached' },
      { seq: jobs[4]!.seq, reason: 'Not Running: User alice has reached queue b running job limit' },
    ]);
  });

  it('starts nothing from a stopped queue and considers higher-priority queues first', () => {
    const low = job('low', 'alice', 100);
    const high = job('high');
    const stopped = job('off');
    const one = { ...node, ncpus: 1 };
    const plan = schedule({
      now: 0,
      nodes: [one],
      jobs: [low, high, stopped],
      queues: [
        queue({ name: 'low' }),
        queue({ name: 'high', priority: 5 }),
        queue({ name: 'off', started: false }),
      ],
    });
    expect(plan.placements.map((p) => p.seq)).toEqual([high.seq]);
    expect(plan.waiting.find((w) => w.seq === stopped.seq)?.reason).toBe(
      'Not Running: Queue off is not started',
    );
  });
});
