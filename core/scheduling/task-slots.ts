// Which of a job's slots a `pbsdsh` runs on: every slot, the first N (wrapping around when N is
// larger than the job), or one slot by index (pbsdsh -c / -n), or the first slot on a host.
import { ok, type Result, refuse } from '../errors.js';
import type { TaskSelection } from '../protocol/agent-protocol.js';

/** `hosts`: each slot's host, as PBS_NODEFILE names it (for `select.host`). */
export function selectTaskSlots(
  slotCount: number,
  select: TaskSelection,
  hosts: string[] = [],
): Result<number[]> {
  if (select.host !== undefined) {
    const index = hosts.indexOf(select.host);
    if (index < 0) return refuse('FAILED', `the job has no slot on ${select.host}`);
    return ok([index]);
  }
  if (select.slot !== undefined) {
    if (!Number.isInteger(select.slot) || select.slot < 0 || select.slot >= slotCount)
      return refuse(
        'FAILED',
        `node index ${select.slot} is out of range: the job has ${slotCount} slots (0-${slotCount - 1})`,
      );
    return ok([select.slot]);
  }
  if (select.copies !== undefined) {
    if (!Number.isInteger(select.copies) || select.copies < 1)
      return refuse('FAILED', `the number of copies must be a positive integer, got ${select.copies}`);
    return ok(Array.from({ length: select.copies }, (_, i) => i % slotCount));
  }
  return ok(Array.from({ length: slotCount }, (_, i) => i));
}
