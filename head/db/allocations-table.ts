// SQL of the allocations table: which job holds which slots of which node. A suspended job's slots
// stay on record (its nodes, for its signals and its resumption) but count as free.
import { SUBSTATE } from '../../core/lifecycle/states.js';
import type { Holding } from '../../core/scheduling/backfill.js';
import type { Slot } from '../../core/scheduling/sched-node.js';
import type { Db } from './connection.js';

export interface NodeUse {
  node: string;
  ncpus: number;
  mem: number;
  gpus: number[];
  jobs: number;
  exclusive: boolean;
}

export function allocationsSql(db: Db) {
  return { ...holdingStatements(db), ...slotStatements(db), ...nodeUseStatements(db) };
}

/** The allocations of jobs that are not suspended. */
const HELD = `FROM allocations a JOIN jobs j ON j.seq = a.seq WHERE json_extract(j.row, '$.suspendedAt') IS NULL`;

/** What each running job holds and when its walltime ends, for backfill. */
function holdingStatements(db: Db) {
  const holdings = db.prepare(
    `SELECT a.seq AS seq, a.node AS node, a.ncpus AS ncpus, a.mem AS mem, a.gpus AS gpus,
       json_extract(j.row, '$.stime') + coalesce(json_extract(j.row, '$.suspendedFor'), 0) AS stime,
       json_extract(j.row, '$.resources.walltime') AS walltime, j.queue AS queue
     ${HELD} ORDER BY a.seq`,
  );
  return {
    /** What each running job holds and when its walltime ends (epoch seconds), for backfill. */
    holdings(): Holding[] {
      const rows = holdings.all() as {
        seq: number;
        node: string;
        ncpus: number;
        mem: number;
        gpus: string;
        stime: number | null;
        walltime: number | null;
        queue: string;
      }[];
      const bySeq = new Map<number, Holding>();
      for (const r of rows) {
        let h = bySeq.get(r.seq);
        if (!h) {
          h =
            r.stime !== null && r.walltime !== null
              ? { end: r.stime + r.walltime, queue: r.queue, slots: [] }
              : { queue: r.queue, slots: [] };
          bySeq.set(r.seq, h);
        }
        h.slots.push({ node: r.node, ncpus: r.ncpus, mem: r.mem, gpus: JSON.parse(r.gpus) as number[] });
      }
      return [...bySeq.values()];
    },
  };
}

/** Each slot's exec_host index: the lowest on its node that `heldOn(node)` and earlier slots leave free. */
function execIndices(slots: Slot[], heldOn: (node: string) => number[]): number[] {
  const taken = new Map<string, Set<number>>();
  return slots.map((s) => {
    let used = taken.get(s.node);
    if (!used) {
      used = new Set(heldOn(s.node));
      taken.set(s.node, used);
    }
    let index = 0;
    while (used.has(index)) index++;
    used.add(index);
    return index;
  });
}

/** A job's slots: taken, given back, read; and the jobs on a node. */
function slotStatements(db: Db) {
  const insert = db.prepare(
    'INSERT INTO allocations (seq, node, slot, ncpus, mem, gpus, mpiprocs, exclusive, exec_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const held = db.prepare('SELECT exec_index FROM allocations WHERE node = ?').pluck();
  const remove = db.prepare('DELETE FROM allocations WHERE seq = ?');
  const ofJob = db.prepare(
    'SELECT node, slot, ncpus, mem, gpus, mpiprocs FROM allocations WHERE seq = ? ORDER BY slot',
  );
  const onNode = db.prepare(
    `SELECT a.seq AS seq, j.id AS id, a.ncpus AS ncpus, json_extract(j.row, '$.suspendedAt') IS NOT NULL AS suspended
     FROM allocations a JOIN jobs j ON j.seq = a.seq WHERE a.node = ? ORDER BY a.seq, a.slot`,
  );
  const toResume = db.prepare(
    `SELECT DISTINCT a.seq AS seq FROM allocations a JOIN jobs j ON j.seq = a.seq
     WHERE json_extract(j.row, '$.substate') = ? ORDER BY j.priority DESC, a.seq`,
  );
  return {
    /**
     * Take `slots` for job `seq`. Each chunk gets its exec_host index on its node, as OpenPBS's
     * server numbers them: the lowest no chunk on the node holds (a job's second chunk on a node
     * gets the next). Returns the indices, in the order of `slots`.
     */
    add(seq: number, slots: Slot[], exclusive: boolean): number[] {
      const indices = execIndices(slots, (node) => held.all(node) as number[]);
      slots.forEach((s, i) => {
        const row = [seq, s.node, i, s.ncpus, s.mem, JSON.stringify(s.gpus), s.mpiprocs] as const;
        insert.run(...row, exclusive ? 1 : 0, indices[i]);
      });
      return indices;
    },
    release(seq: number): void {
      remove.run(seq);
    },
    ofJob(seq: number): Slot[] {
      return (ofJob.all(seq) as (Omit<Slot, 'gpus' | 'ompthreads'> & { gpus: string })[]).map((r) => ({
        node: r.node,
        ncpus: r.ncpus,
        mem: r.mem,
        gpus: JSON.parse(r.gpus),
        mpiprocs: r.mpiprocs,
        ompthreads: r.ncpus,
      }));
    },
    /** The slots on the node, of suspended jobs too. */
    onNode(node: string): { seq: number; id: string; ncpus: number; suspended: boolean }[] {
      const rows = onNode.all(node) as { seq: number; id: string; ncpus: number; suspended: number }[];
      return rows.map((r) => ({ ...r, suspended: r.suspended === 1 }));
    },
    /** Suspended jobs the scheduler resumes once their slots are free (substate 45), first first. */
    toResume(): number[] {
      return (toResume.all(SUBSTATE.schedSuspended) as { seq: number }[]).map((r) => r.seq);
    },
  };
}

/** What the jobs use of each node, summed. */
function nodeUseStatements(db: Db) {
  const perNode =
    db.prepare(`SELECT a.node AS node, sum(a.ncpus) AS ncpus, sum(a.mem) AS mem, json_group_array(a.gpus) AS gpus,
    count(DISTINCT a.seq) AS jobs, max(a.exclusive) AS exclusive ${HELD} GROUP BY a.node`);
  return {
    use(): Map<string, NodeUse> {
      const rows = perNode.all() as {
        node: string;
        ncpus: number;
        mem: number;
        gpus: string;
        jobs: number;
        exclusive: number;
      }[];
      return new Map(
        rows.map((r) => [
          r.node,
          {
            node: r.node,
            ncpus: r.ncpus,
            mem: r.mem,
            gpus: (JSON.parse(r.gpus) as string[]).flatMap((g) => JSON.parse(g) as number[]),
            jobs: r.jobs,
            exclusive: r.exclusive === 1,
          },
        ]),
      );
    },
  };
}

export type AllocationsSql = ReturnType<typeof allocationsSql>;
