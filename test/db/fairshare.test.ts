// Fair share on a real store: usage recorded at exit, the lighter user first in a fair-share queue.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { transition } from '../../head/jobs/transitions.js';
import { resources } from '../helpers/requests.js';
import { schedulingFixture } from '../helpers/sched-fixture.js';

let f: ReturnType<typeof schedulingFixture>;
beforeEach(() => {
  f = schedulingFixture();
});
afterEach(() => f.dispose());

describe('fair share', () => {
  it('records allocated CPU-seconds at exit and runs the lighter user first in a fair-share queue', () => {
    f.store.queues.update('workq', { fairshare: true });
    const heavy = f.job();
    f.dispatcher.tick();
    const { attempt } = f.row(heavy);
    const usage = { cput: 0, mem: 0, vmem: 0, walltime: 3600, cpupercent: 0, ncpus: 1 };
    expect(transition(f.store, heavy, { type: 'exited', attempt, status: 0, usage }).ok).toBe(true);
    expect(f.store.fairshare.get('alice')?.usage).toBe(3600);
    // each takes the whole 8-CPU node: one runs, the other waits
    const a = f.submit({ user: 'alice', priority: 50, resources: resources('ncpus=8') });
    const b = f.submit({ user: 'bob', resources: resources('ncpus=8') });
    if (!a.ok || !b.ok) throw new Error('submit refused');
    f.dispatcher.tick();
    expect([f.row(a.value.seq).state, f.row(b.value.seq).state]).toEqual(['Q', 'R']);
  });
});
