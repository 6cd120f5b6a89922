// The head's data access: one object with the SQL module of each table.
import { allocationsSql } from './allocations.js';
import { type Db, openDatabase } from './connection.js';
import { cronsSql } from './crons.js';
import { dependenciesSql } from './dependencies.js';
import { eventsSql } from './events.js';
import { fairshareSql } from './fairshare.js';
import { farmsSql } from './farms.js';
import { fencesSql } from './fences.js';
import { jobsSql } from './jobs.js';
import { metaSql } from './meta.js';
import { nodesSql } from './nodes.js';
import { queuesSql } from './queues.js';

export function openStore(file: string, migrationsDir: string) {
  const db = openDatabase(file, migrationsDir);
  return storeOf(db);
}

export function storeOf(db: Db) {
  return {
    db,
    jobs: jobsSql(db),
    events: eventsSql(db),
    meta: metaSql(db),
    nodes: nodesSql(db),
    queues: queuesSql(db),
    allocations: allocationsSql(db),
    crons: cronsSql(db),
    dependencies: dependenciesSql(db),
    fairshare: fairshareSql(db),
    fences: fencesSql(db),
    farms: farmsSql(db),
    transaction<T>(fn: () => T): T {
      return db.transaction(fn)();
    },
  };
}

export type Store = ReturnType<typeof storeOf>;
