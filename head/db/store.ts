// The head's data access: one object with the SQL module of each table.
import { afterCommit } from './after-commit.js';
import { allocationsSql } from './allocations-table.js';
import { type Db, openDatabase } from './connection.js';
import { cronsSql } from './crons-table.js';
import { dependenciesSql } from './dependencies-table.js';
import { eventsSql } from './events-table.js';
import { fairshareSql } from './fairshare-table.js';
import { farmsSql } from './farms-table.js';
import { fencesSql } from './fences-table.js';
import { jobLookupsSql, jobWritesSql } from './jobs-table.js';
import { subjobCountsSql, subjobRowsSql } from './jobs-table-arrays.js';
import { jobListsSql } from './jobs-table-lists.js';
import { jobOrderSql } from './jobs-table-order.js';
import { jobPurgeSql } from './jobs-table-purge.js';
import { jobNotesSql, jobQueueSql } from './jobs-table-queue.js';
import { rawJobsSql } from './jobs-table-raw.js';
import { jobWebSql } from './jobs-table-web.js';
import { metaSql } from './meta-table.js';
import { nodesSql } from './nodes-table.js';
import { queuesSql } from './queues-table.js';
import { requestsSql } from './requests-table.js';
import { reservationsSql } from './reservations-table.js';
import { servicesSql } from './services-table.js';
import { logStatements } from './statement-log.js';

export function openStore(file: string, migrationsDir: string) {
  const db = openDatabase(file, migrationsDir);
  return storeOf(db);
}

export function storeOf(db: Db) {
  // first: the statements prepared below are the ones that record their writes
  const statements = logStatements(db);
  const commits = afterCommit();
  const writes = jobWritesSql(db);
  return {
    db,
    /** every committed write, in batches, for a standby (head/ha/) */
    statements,
    jobs: {
      ...writes,
      ...jobOrderSql(db, writes.written),
      ...jobLookupsSql(db),
      ...jobListsSql(db),
      ...jobWebSql(db),
      ...subjobRowsSql(db),
      ...subjobCountsSql(db),
      ...jobQueueSql(db),
      ...jobNotesSql(db),
      ...rawJobsSql(db),
      ...jobPurgeSql(db),
    },
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
    services: servicesSql(db),
    requests: requestsSql(db),
    reservations: reservationsSql(db),
    transaction<T>(fn: () => T): T {
      return commits.run(() => db.transaction(fn)());
    },
    /** Run `fn` once the current transaction has committed (dropped if it rolls back). */
    afterCommit(fn: () => void): void {
      commits.add(fn);
    },
  };
}

export type Store = ReturnType<typeof storeOf>;
