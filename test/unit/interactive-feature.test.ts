// The interactive feature's say on a submission: an interactive job is neither rerunnable nor
// checkpointed, whatever the request said (qhold and preemption must never requeue a terminal).
import { describe, expect, it } from 'vitest';
import { interactiveFeature } from '../../head/jobs/interactive-feature.js';
import { makeSpec } from '../helpers/records.js';

const feature = interactiveFeature({ ended: () => {} });

describe('interactive jobs at submission', () => {
  it('are made not rerunnable and not checkpointed', () => {
    const asked = makeSpec({ interactive: { term: 'xterm' }, rerunable: true, checkpoint: 'c=1' });
    expect(feature.prepare?.(asked)).toMatchObject({
      ok: true,
      value: { rerunable: false, checkpoint: 'n' },
    });
  });
  it('leave batch jobs as they are', () => {
    const asked = makeSpec({ rerunable: true, checkpoint: 'c=1' });
    expect(feature.prepare?.(asked)).toEqual({ ok: true, value: asked });
  });
});
