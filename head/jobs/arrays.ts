// Job arrays at the head: the subjobs a submission creates, the
// parent following its subjobs (Q → B when the first begins, F with the worst outcome when the
// last ends), and which subjobs a `123[]`, `123[7]` or `123[2-5]` operand names.

import type { Result } from '../../core/errors.js';
import type { JobSpec } from '../../core/job-spec-types.js';
import type { TimedEvent } from '../../core/lifecycle/job-events.js';
import { initialRow } from '../../core/lifecycle/lifecycle.js';
import { SUBSTATE } from '../../core/lifecycle/states.js';
import {
  type ArraySelector,
  type ArraySpec,
  inRange,
  parsePbsArray,
  parseTorqueArray,
} from '../../core/pbs/array-indices.js';
import { resolveStdPath } from '../../core/pbs/qsub-command-line.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';
import type { Apply } from './lifecycle-hooks.js';

/** The indices of an array spec, expanded again at the head (max_array_size applies). */
export function arrayIndices(array: NonNullable<JobSpec['array']>): Result<ArraySpec> {
  return (array.style === 'pbs' ? parsePbsArray : parseTorqueArray)(array.submitted);
}

export interface ArrayParent {
  seq: number;
  id: string;
  owner: string;
  queue: string;
  spec: JobSpec;
}

/** One row and one `queued` event per subjob; their spec and script stay the parent's. */
export function insertSubjobs(store: Store, parent: ArrayParent, indices: number[], at: number): void {
  const first = store.meta.takeSubjobSeqs(indices.length);
  const [head, tail] = [
    parent.id.slice(0, parent.id.indexOf('[')),
    parent.id.slice(parent.id.indexOf(']') + 1),
  ];
  const event = {
    type: 'queued' as const,
    at,
    hold: false,
    name: parent.spec.name,
    priority: parent.spec.priority,
    resources: parent.spec.resources,
  };
  const row = initialRow(event);
  const host = parent.spec.submitHost;
  indices.forEach((index, i) => {
    const seq = first + i;
    const id = `${head}[${index}]${tail}`;
    store.jobs.insert(
      {
        seq,
        id,
        kind: 'subjob',
        arrayParent: parent.seq,
        arrayIndex: index,
        owner: parent.owner,
        queue: parent.queue,
        spec: parent.spec,
        outputPath: `${host}:${resolveStdPath(parent.spec, 'o', id, parent.seq, index)}`,
        errorPath: `${host}:${resolveStdPath(parent.spec, 'e', id, parent.seq, index)}`,
        ctime: Math.floor(at / 1000),
        row,
      },
      undefined,
    );
    store.events.append(seq, event);
  });
}

/**
 * After an event of a subjob: its parent begins with its first run and ends with its last
 * subjob. `apply` is the transition function (passed in to keep one way of changing a job).
 */
export function followSubjob(store: Store, subjob: StoredJob, event: TimedEvent, apply: Apply): void {
  const parentSeq = subjob.arrayParent;
  if (subjob.kind !== 'subjob' || parentSeq === undefined) return;
  const parent = store.jobs.get(parentSeq);
  if (parent?.row.state === 'F' && event.type === 'resubmitted')
    apply(parentSeq, { type: 'resubmitted', reason: event.reason }, event.at);
  else if (!parent || parent.row.state === 'F') return;
  if (event.type === 'run' && !parent.row.arrayBegun) apply(parentSeq, { type: 'array_begun' }, event.at);
  const ended = event.type === 'finished' || event.type === 'deleted' || event.type === 'failed';
  if (ended && !store.jobs.hasUnfinishedSubjob(parentSeq)) {
    apply(parentSeq, { type: 'array_ended', ...arrayOutcome(store, parentSeq) }, event.at);
  }
}

/**
 * The parent's Exit_status is the worst category over the subjobs that ran: 0 all ok, 1 a
 * positive exit status, 2 a PBS (negative) one; its substate 91 if any was deleted, else 93 if
 * any failed, else 92. (OpenPBS takes the last subjob's category; the worst tells a script more.)
 */
function arrayOutcome(store: Store, parent: number): { status?: number; substate: number } {
  let worst: number | undefined;
  let terminated = false;
  for (const o of store.jobs.subjobOutcomes(parent)) {
    if (o.killedBy !== null || o.substate === SUBSTATE.terminated) terminated = true;
    if (o.runs === 0 || o.status === null) continue;
    const category = o.status === 0 ? 0 : o.status > 0 ? 1 : 2;
    worst = Math.max(worst ?? 0, category);
  }
  const substate = terminated ? SUBSTATE.terminated! : worst ? SUBSTATE.failed! : SUBSTATE.finished!;
  return { ...(worst !== undefined ? { status: worst } : {}), substate };
}

/** The subjobs an operand's brackets select; the parent for `[]`. */
export function selectSubjobs(store: Store, parent: StoredJob, sel: ArraySelector): StoredJob[] {
  if (sel.kind === 'parent') return store.jobs.subjobs(parent.seq);
  if (sel.kind === 'index') {
    const subjob = store.jobs.byId(parent.id.replace('[]', `[${sel.index}]`));
    return subjob ? [subjob] : [];
  }
  return store.jobs.subjobs(parent.seq).filter((j) => inRange(sel, j.arrayIndex!));
}

/** What qstat shows of an array's parent (array_state_count, array_indices_remaining). */
export function arraySummary(store: Store, parent: StoredJob) {
  const counts = { Queued: 0, Running: 0, Exiting: 0, Expired: 0 };
  for (const { state, n } of store.jobs.subjobStates(parent.seq)) {
    if (state === 'Q' || state === 'H' || state === 'W') counts.Queued += n;
    else if (state === 'R') counts.Running += n;
    else if (state === 'E') counts.Exiting += n;
    else counts.Expired += n;
  }
  return { stateCount: counts, remaining: store.jobs.queuedIndices(parent.seq) };
}
