// SQL of the services tables: each service (its settings, the job its instances run, how many are
// wanted) and each instance (the job that runs it, and where it answers while it does).
import type { JobSpec } from '../../core/job-spec-types.js';
import type { JobState } from '../../core/lifecycle/states.js';
import type { ServiceSettings } from '../../core/service/service-options.js';
import type { Db } from './connection.js';

export type ServiceState = 'running' | 'stopping';

export interface StoredService {
  name: string;
  owner: string;
  settings: ServiceSettings;
  /** the job each instance runs (named `NAME.K`, with its `service`, when submitted) */
  spec: JobSpec;
  wanted: number;
  state: ServiceState;
  /** epoch ms */
  created: number;
}

/** Where an instance's current attempt answers (recorded from the agent's instance-up). */
export interface InstanceAddress {
  attempt: number;
  host: string;
  port: number;
  node: string;
  zone?: string;
  ncpus: number;
}

export interface StoredInstance {
  service: string;
  instance: number;
  /** the job's seq and id */
  job: number;
  jobId: string;
  /** attempts in a row that ended within seconds */
  restarts: number;
  address?: InstanceAddress;
}

interface RawService {
  name: string;
  owner: string;
  settings: string;
  spec: string;
  wanted: number;
  state: ServiceState;
  created: number;
}

interface RawInstance {
  service: string;
  instance: number;
  job: number;
  jobId: string;
  attempt: number | null;
  host: string | null;
  port: number | null;
  node: string | null;
  zone: string | null;
  ncpus: number | null;
  restarts: number;
}

const toService = (r: RawService): StoredService => ({
  ...r,
  settings: JSON.parse(r.settings),
  spec: JSON.parse(r.spec),
});

function toInstance(r: RawInstance): StoredInstance {
  const out: StoredInstance = {
    service: r.service,
    instance: r.instance,
    job: r.job,
    jobId: r.jobId,
    restarts: r.restarts,
  };
  if (r.host !== null && r.port !== null && r.attempt !== null && r.node !== null)
    out.address = {
      attempt: r.attempt,
      host: r.host,
      port: r.port,
      node: r.node,
      ncpus: r.ncpus ?? 1,
      ...(r.zone !== null ? { zone: r.zone } : {}),
    };
  return out;
}

const INSTANCE_COLUMNS =
  'i.service, i.instance, i.job, j.id AS jobId, i.attempt, i.host, i.port, i.node, i.zone, i.ncpus, i.restarts';
const INSTANCES = `SELECT ${INSTANCE_COLUMNS} FROM service_instances i JOIN jobs j ON j.seq = i.job`;

export function servicesSql(db: Db) {
  return { ...serviceStatements(db), ...instanceStatements(db) };
}

function serviceStatements(db: Db) {
  const insert = db.prepare(
    'INSERT INTO services (name, owner, settings, spec, wanted, state, created) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const get = db.prepare('SELECT * FROM services WHERE name = ?');
  const all = db.prepare('SELECT * FROM services ORDER BY name');
  const setWanted = db.prepare('UPDATE services SET wanted = ? WHERE name = ?');
  const setState = db.prepare('UPDATE services SET state = ? WHERE name = ?');
  const remove = db.prepare('DELETE FROM services WHERE name = ?');
  return {
    insert(s: StoredService): void {
      insert.run(
        s.name,
        s.owner,
        JSON.stringify(s.settings),
        JSON.stringify(s.spec),
        s.wanted,
        s.state,
        s.created,
      );
    },
    get(name: string): StoredService | undefined {
      const r = get.get(name) as RawService | undefined;
      return r && toService(r);
    },
    all(): StoredService[] {
      return (all.all() as RawService[]).map(toService);
    },
    setWanted(name: string, wanted: number): void {
      setWanted.run(wanted, name);
    },
    setState(name: string, state: ServiceState): void {
      setState.run(state, name);
    },
    /** The service and its instance rows. */
    remove(name: string): void {
      remove.run(name);
    },
  };
}

function instanceStatements(db: Db) {
  const counts = db.prepare(
    `SELECT j.state AS state, i.host IS NOT NULL AS answering, count(*) AS n
     FROM service_instances i JOIN jobs j ON j.seq = i.job GROUP BY 1, 2`,
  );
  const put = db.prepare(
    `INSERT INTO service_instances (service, instance, job) VALUES (?, ?, ?)
     ON CONFLICT (service, instance) DO UPDATE SET job = excluded.job, attempt = NULL, host = NULL,
       port = NULL, node = NULL, zone = NULL, ncpus = NULL, restarts = 0`,
  );
  const ofService = db.prepare(`${INSTANCES} WHERE i.service = ? ORDER BY i.instance`);
  const byJob = db.prepare(`${INSTANCES} WHERE i.job = ?`);
  const setAddress = db.prepare(
    'UPDATE service_instances SET attempt = ?, host = ?, port = ?, node = ?, zone = ?, ncpus = ? WHERE job = ?',
  );
  const clearAddress = db.prepare(
    'UPDATE service_instances SET attempt = NULL, host = NULL, port = NULL, node = NULL, zone = NULL, ncpus = NULL WHERE job = ? AND host IS NOT NULL',
  );
  const removeJob = db.prepare('DELETE FROM service_instances WHERE job = ?');
  const setRestarts = db.prepare('UPDATE service_instances SET restarts = ? WHERE job = ?');
  return {
    /** Every instance counted by its job's state and whether it answers (has an address). */
    instanceCounts(): { state: JobState; answering: number; n: number }[] {
      return counts.all() as { state: JobState; answering: number; n: number }[];
    },
    /** Instance `instance` is run by job `job` now (its address unknown until it answers). */
    putInstance(service: string, instance: number, job: number): void {
      put.run(service, instance, job);
    },
    instances(service: string): StoredInstance[] {
      return (ofService.all(service) as RawInstance[]).map(toInstance);
    },
    instanceOfJob(job: number): StoredInstance | undefined {
      const r = byJob.get(job) as RawInstance | undefined;
      return r && toInstance(r);
    },
    setAddress(job: number, a: InstanceAddress): void {
      setAddress.run(a.attempt, a.host, a.port, a.node, a.zone ?? null, a.ncpus, job);
    },
    /** Forget where the job's instance answered; true when it had an address. */
    clearAddress(job: number): boolean {
      return clearAddress.run(job).changes > 0;
    },
    setRestarts(job: number, restarts: number): void {
      setRestarts.run(restarts, job);
    },
    /** The job runs no instance any more; true when it ran one. */
    removeInstanceJob(job: number): boolean {
      return removeJob.run(job).changes > 0;
    },
  };
}
