// What the head reports of an advance reservation (pbs_rstat) and what pbs_rsub sends it. No I/O,
// no behaviour.
import type { ResourceEntry } from './pbs/resource-entries.js';

/** PBS's reservation states (`enum resv_states`, pbs_ifl.h), by number. */
export const RESV_STATE = {
  unconfirmed: 1,
  confirmed: 2,
  running: 5,
  beingDeleted: 7,
  deletingJobs: 9,
} as const;

/** A reservation as the head reports it. Times are epoch seconds. */
export interface ReservationRecord {
  /** `R12.server` */
  id: string;
  /** Reserve_Name: `NULL` when none was given (as PBS) */
  name: string;
  /** Reserve_Owner: user@host */
  owner: string;
  /** reserve_state and reserve_substate, PBS's numbers (RESV_STATE) */
  state: number;
  substate: number;
  start: number;
  end: number;
  /** seconds */
  duration: number;
  /** `R12` */
  queue: string;
  /** Resource_List, names sorted as qstat prints a job's */
  resources: Record<string, string>;
  /** `(n1:ncpus=2)`, once confirmed */
  resvNodes?: string;
  authorizedUsers: string[];
  server: string;
  ctime: number;
  mtime: number;
  mailPoints?: string;
  mailUsers?: string;
  /** the reservation's select, as the scheduler reads it: managers and operators see it */
  schedselect?: string;
}

/** What pbs_rsub asks for (the command has parsed and checked its options). */
export interface ResvRequest {
  /** epoch seconds, from -R */
  start?: number;
  /** epoch seconds, from -E */
  end?: number;
  /** -l entries (with `walltime` from -D) */
  resources: ResourceEntry[];
  /** -N */
  name?: string;
  /** -U entries, as given */
  authorizedUsers?: string[];
  /** -m, -M */
  mailPoints?: string;
  mailUsers?: string;
  /** -I: wait for the decision and answer with it */
  interactive?: number;
}
