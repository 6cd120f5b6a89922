// What the head tells an agent to start: the job's variables, its PBS_NODEFILE lines and limits.
import { taskFrames } from '../../core/farm/frames.js';
import { checkpointPolicy } from '../../core/lifecycle/checkpoint-policy.js';
import type { HeadMessage, RunRequest } from '../../core/protocol/agent-protocol.js';
import type { Slot } from '../../core/scheduling/sched-node.js';
import type { StoredJob } from '../db/jobs-table.js';

/** Strip the `host:` prefix of a PBS path attribute. */
export function pathPart(attr: string): string {
  const i = attr.indexOf(':');
  return i >= 0 && !attr.startsWith('/') ? attr.slice(i + 1) : attr;
}

/**
 * `n1/0*2+n2/0`: each chunk's node, its index there (head/db/allocations-table.ts, `indices` in
 * the order of `slots`) and its ncpus when not 1.
 */
export function execHost(slots: Slot[], indices: number[]): string {
  return slots.map((s, i) => `${s.node}/${indices[i] ?? 0}${s.ncpus > 1 ? `*${s.ncpus}` : ''}`).join('+');
}

/** `(n1:ncpus=2:mem=1048576kb)+(n2:ncpus=1)` */
export function execVnode(slots: Slot[]): string {
  return slots
    .map((s) => {
      const parts = [`${s.node}:ncpus=${s.ncpus}`];
      if (s.mem > 0) parts.push(`mem=${Math.ceil(s.mem / 1024)}kb`);
      if (s.gpus.length > 0) parts.push(`ngpus=${s.gpus.length}`);
      return `(${parts.join(':')})`;
    })
    .join('+');
}

/** PBS's default job umask (qsub -W umask= changes it). */
export const DEFAULT_UMASK = 0o077;

export function jobUmask(umask: string | undefined): number {
  return umask === undefined ? DEFAULT_UMASK : Number.parseInt(umask, 8) & 0o777;
}

/**
 * The job-size variables Torque's MoM sets (not OpenPBS's): PBS_NUM_NODES, the nodes asked for,
 * PBS_NUM_PPN, the first node's processors, and PBS_NP, the processors in all. Each chunk the job
 * holds counts as one Torque node and its ncpus as that node's ppn: `nodes=2:ppn=4` gives 2, 4
 * and 8, `nodes=1` 1, 1 and 1, `select=3:ncpus=2` 3, 2 and 6, `ncpus=4` 1, 4 and 4.
 */
export function torqueSizeVariables(slots: Slot[]): [string, string][] {
  const np = slots.reduce((n, s) => n + s.ncpus, 0);
  return [
    ['PBS_NUM_NODES', String(Math.max(1, slots.length))],
    ['PBS_NUM_PPN', String(slots[0]?.ncpus ?? 1)],
    ['PBS_NP', String(Math.max(1, np))],
  ];
}

/** The `run` for a job placed on `slots`; `torque`: the head runs in Torque mode. */
export function buildRunRequest(
  job: StoredJob,
  slots: Slot[],
  script: string | undefined,
  hostOf: (node: string) => string,
  torque = false,
): RunRequest {
  const spec = job.spec;
  const first = slots[0]!;
  const env: [string, string][] = [
    ...spec.variables,
    ['PBS_JOBID', job.id],
    ['PBS_JOBNAME', job.row.name],
    ['PBS_QUEUE', job.queue],
    ['PBS_O_QUEUE', job.queue],
  ];
  if (spec.account !== undefined) env.push(['PBS_ACCOUNT', spec.account]);
  if (job.arrayIndex !== undefined) {
    const index = String(job.arrayIndex);
    const parentId = job.id.replace(/\[\d+\]/, '[]');
    env.push(['PBS_ARRAY_INDEX', index], ['PBS_ARRAY_ID', parentId]);
    if (spec.array?.style === 'torque') env.push(['PBS_ARRAYID', index]);
  }
  if (torque) env.push(...torqueSizeVariables(slots));
  const req: RunRequest = {
    jobId: job.id,
    seq: job.seq,
    attempt: job.row.attempt,
    user: spec.user,
    env,
    nodefile: slots.flatMap((s) => Array.from({ length: s.mpiprocs }, () => hostOf(s.node))),
    ncpus: first.ompthreads,
    gpus: slots.filter((s) => s.node === first.node).flatMap((s) => s.gpus),
    join: spec.join,
    umask: jobUmask(spec.umask),
  };
  if (script !== undefined) req.script = script;
  if (spec.executable !== undefined) req.executable = spec.executable;
  if (spec.argv !== undefined) req.argv = spec.argv;
  if (spec.shell !== undefined) req.shell = spec.shell;
  if (job.row.resources.walltime !== undefined) req.walltime = job.row.resources.walltime;
  const policy = checkpointPolicy(spec.checkpoint, spec.checkpointSignal);
  if (policy) req.checkpoint = { ...policy, count: job.row.checkpoint?.count ?? 0 };
  if (spec.farm) {
    const stall = spec.farm.stallTimeout;
    const index = job.arrayIndex;
    // the task's frames: the agent thumbnails each one it sees finished
    const frames = index !== undefined ? taskFrames(spec.farm.frames, spec.farm.chunk, index) : [];
    req.progress = {
      ...(stall !== undefined ? { stallTimeout: stall } : {}),
      ...(frames.length ? { frames } : {}),
    };
  } else if (spec.farmPost !== undefined) req.progress = {};
  if (spec.service) req.service = spec.service;
  if (spec.interactive) req.interactive = spec.interactive;
  return req;
}

/**
 * What starts an attempt on its node: `run`, after a `restore` of the checkpoint it restarts
 * from (read from the head's store), when there is one.
 */
export function runMessages(
  req: RunRequest,
  load: ((jobId: string, count: number) => RunRestoreFiles | undefined) | undefined,
): HeadMessage[] {
  const count = req.checkpoint?.count ?? 0;
  const files = count > 0 ? load?.(req.jobId, count) : undefined;
  if (!files) {
    // nothing to restore from: the attempt starts afresh
    const fresh = req.checkpoint ? { ...req, checkpoint: { ...req.checkpoint, count: 0 } } : req;
    return [{ t: 'run', job: fresh }];
  }
  return [
    { t: 'restore', jobId: req.jobId, attempt: req.attempt, count, files },
    { t: 'run', job: req },
  ];
}

type RunRestoreFiles = Extract<HeadMessage, { t: 'restore' }>['files'];
