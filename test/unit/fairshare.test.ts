// The fair-share usage formula: allocated CPU-seconds halved every half-life.
import { describe, expect, it } from 'vitest';
import { addUsage, decayed, HALF_LIFE_SECONDS } from '../../core/scheduling/fairshare.js';
import { schedule } from '../../core/scheduling/scheduler.js';
import { makeSchedNode } from '../helpers/records.js';
import { resources } from '../helpers/requests.js';

describe('fair-share usage', () => {
  it('halves every half-life and adds new runs at their end', () => {
    const e = addUsage(undefined, 1000, 100);
    expect(e).toEqual({ usage: 1000, at: 100 });
    expect(decayed(e, 100 + HALF_LIFE_SECONDS)).toBeCloseTo(500);
    expect(decayed(e, 100 + 2 * HALF_LIFE_SECONDS)).toBeCloseTo(250);
    expect(addUsage(e, 10, 100 + HALF_LIFE_SECONDS)).toEqual({ usage: 510, at: 100 + HALF_LIFE_SECONDS });
    expect(decayed(e, 50)).toBe(1000); // a clock behind the entry does not grow it
  });

  it('in one queue the user with less usage goes first, before job priority', () => {
    const node = makeSchedNode('n1', { ncpus: 1 });
    const job = (seq: number, user: string, share: number, priority = 0) => ({
      seq,
      id: `${seq}.s`,
      priority,
      resources: resources('ncpus=1'),
      queue: 'fair',
      user,
      share,
    });
    const plan = schedule({ now: 0, nodes: [node], jobs: [job(1, 'heavy', 9000, 100), job(2, 'light', 10)] });
    expect(plan.placements.map((p) => p.seq)).toEqual([2]);
  });
});
