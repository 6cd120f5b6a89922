// The answers of the head's web routes (`/v1/web/*`), as docs/web.md and the head's contract
// describe them. Times here are epoch milliseconds; the records from core/ count in seconds.
import type { JobRecord } from '../core/record-types.js';

export type Role = 'user' | 'operator' | 'manager';

export interface Session {
  user: string;
  role: Role;
  csrf: string;
  server: string;
  expires: number;
}

export interface Overview {
  server: string;
  now: number;
  nodes: {
    byState: Record<string, number>;
    cpus: { used: number; total: number };
    memBytes: { used: number; total: number };
    gpus: { used: number; total: number };
  };
  jobs: { byState: Record<string, number>; byQueue: Record<string, Record<string, number>> };
  queues: { name: string; queued: number; running: number; enabled: boolean; started: boolean }[];
  /** the last scheduling pass: when, how long, how many jobs it started (none yet: lastPassAt null) */
  scheduler: { lastPassAt: number | null; durationMs?: number; placed?: number };
  throughput: { at: number; ended: number }[];
}

export interface JobRow {
  id: string;
  name: string;
  owner: string;
  queue: string;
  state: string;
  ctime: number;
  node: string | null;
  exitStatus: number | null;
  reason: string | null;
  array: boolean;
  arrayParent: string | null;
}

export interface JobPage {
  total: number;
  page: number;
  per: number;
  jobs: JobRow[];
}

export interface TraceEntry {
  at: number;
  type: string;
  /** who logged it, as tracejob says: Server, Job, MOM… */
  source?: string;
  text: string;
}

export interface JobDetail {
  job: JobRecord;
  trace: TraceEntry[];
  checkpoints: { at: number; bytes: number; attempt: number; count?: number }[];
  may: { hold: boolean; release: boolean; delete: boolean; rerun: boolean };
}

export interface OutputChunk {
  text: string;
  next: number;
  running: boolean;
}

/** An answer per operand of the job and node actions; `error` when that one was refused. */
export interface ActionResults {
  results: { operand?: string; name?: string; error?: { code: string; message: string } }[];
}
