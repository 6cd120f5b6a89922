// What the head reports to the commands: jobs, nodes, queues, the server and recurring templates,
// and what an admin may change of a queue. No I/O, no behaviour.
import type { JobSpec } from './job-spec-types.js';
import type { JobState } from './lifecycle/states.js';
import type { ServerSettings } from './policy/server-settings.js';

export interface ResourceUsage {
  /** seconds of CPU */
  cput: number;
  /** peak resident memory in bytes */
  mem: number;
  /** peak virtual memory in bytes */
  vmem: number;
  /** seconds since start */
  walltime: number;
  cpupercent: number;
  ncpus: number;
}

/** A job as the head reports it to the commands. Times are epoch seconds. */
export interface JobRecord {
  id: string;
  seq: number;
  state: JobState;
  substate: number;
  /** user@host */
  owner: string;
  name: string;
  queue: string;
  server: string;
  spec: JobSpec;
  /** 'n' or a set of letters from 'uosp' */
  holdTypes: string;
  /** resolved `host:/path` of stdout and stderr */
  outputPath: string;
  errorPath: string;
  ctime: number;
  qtime: number;
  mtime: number;
  etime?: number;
  stime?: number;
  obittime?: number;
  /** `n1/0*2+n2/0` */
  execHost?: string;
  /** `(n1:ncpus=2:mem=1048576kb)+(n2:ncpus=1)` */
  execVnode?: string;
  sessionId?: number;
  exitStatus?: number;
  comment?: string;
  runCount: number;
  usage?: ResourceUsage;
  /** the scheduler's estimate of when a queued job starts (epoch seconds) */
  estimatedStart?: number;
  /** an array's parent: what qstat -f shows of its subjobs */
  array?: {
    submitted: string;
    /** indices not yet started, compact (`5-9:2`) */
    remaining: string;
    stateCount: { Queued: number; Running: number; Exiting: number; Expired: number };
    maxRun?: number;
  };
  /** the newest checkpoint the head keeps (number, epoch seconds, bytes) */
  checkpoint?: { count: number; at: number; size: number };
  /** a subjob: its parent's id and its index */
  arrayId?: string;
  arrayIndex?: number;
}

export type NodeStateWord = 'free' | 'job-busy' | 'offline' | 'down' | 'state-unknown';

/** A compute node as the head reports it (pbsnodes). */
export interface NodeRecord {
  name: string;
  host: string;
  /** comma-joined PBS state words, e.g. `free`, `job-busy`, `offline,job-busy`, `down` */
  state: string;
  ncpus: number;
  /** bytes */
  mem: number;
  ngpus: number;
  assignedNcpus: number;
  assignedMem: number;
  assignedNgpus: number;
  labels: Record<string, string>;
  /** `12.svr/0, 12.svr/1` */
  jobs: string[];
  comment?: string;
  lastStateChange: number;
}

/** A recurring template (qsub --cron) as qstat --cron shows it. */
export interface CronRecord {
  /** `C12.server` */
  id: string;
  /** user@host */
  owner: string;
  name: string;
  schedule: string;
  /** epoch seconds */
  nextAt: number;
  lastAt?: number;
  lastJob?: string;
  runs: number;
  created: number;
}

export interface QueueLimitsRow {
  maxRun?: number;
  maxRunPerUser?: number;
  /** seconds */
  maxWalltime?: number;
  /** seconds */
  defaultWalltime?: number;
}

/** What `drover queue set` / `qmgr set queue` may change; null clears a limit. */
export interface QueueChanges {
  enabled?: boolean;
  started?: boolean;
  priority?: number;
  fairshare?: boolean;
  maxRun?: number | null;
  maxRunPerUser?: number | null;
  maxWalltime?: number | null;
  defaultWalltime?: number | null;
}

export interface QueueRecord {
  name: string;
  type: 'Execution';
  enabled: boolean;
  started: boolean;
  priority: number;
  fairshare: boolean;
  maxRun?: number;
  maxRunPerUser?: number;
  /** seconds */
  maxWalltime?: number;
  /** seconds */
  defaultWalltime?: number;
  counts: Record<JobState, number>;
  total: number;
}

export interface ServerRecord {
  name: string;
  defaultQueue: string;
  /** the attributes set with qmgr (managers, query_other_jobs, max_queued, …) */
  settings?: ServerSettings;
  version: string;
  counts: Record<JobState, number>;
  total: number;
  status: string;
  /** epoch seconds */
  now: number;
}

/** `drover node add`: the node asked for. */
export interface NodeInput {
  name: string;
  host: string;
  port?: number;
  user?: string;
  identity?: string;
  ncpus?: number;
  mem?: number;
  ngpus?: number;
  labels?: Record<string, string>;
  agentCmd?: string;
  fenceCmd?: string;
  stateDir?: string;
  hostKey?: string;
}

/** `drover node add`: what the head made of it. */
export interface NodeAdded {
  name: string;
  fingerprint: string;
  keyType: string;
  learned: boolean;
  up: boolean;
  /** when its agent is not up: why (the node stays, down with this reason) and what to do */
  down?: { reason: string; hint: string };
  ncpus: number;
  mem: number;
}
