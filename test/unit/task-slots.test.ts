import { describe, expect, it } from 'vitest';
import { selectTaskSlots } from '../../core/scheduling/task-slots.js';

describe('pbsdsh slot selection', () => {
  it.each([
    [3, {}, [0, 1, 2]],
    [3, { copies: 2 }, [0, 1]],
    [2, { copies: 5 }, [0, 1, 0, 1, 0]],
    [3, { slot: 2 }, [2]],
    [1, { slot: 0, serial: true }, [0]],
  ])('%i slots, %o → %o', (count, select, slots) => {
    expect(selectTaskSlots(count, select)).toEqual({ ok: true, value: slots });
  });

  it.each([
    [2, { slot: 2 }, 'node index 2 is out of range: the job has 2 slots (0-1)'],
    [2, { slot: -1 }, 'node index -1 is out of range: the job has 2 slots (0-1)'],
    [2, { copies: 0 }, 'the number of copies must be a positive integer, got 0'],
  ])('%i slots, %o is refused', (count, select, message) => {
    expect(selectTaskSlots(count, select)).toEqual({ ok: false, error: { code: 'FAILED', message } });
  });
});
