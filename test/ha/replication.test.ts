// Replication between two heads' databases on real SQLite files over real TCP (127.0.0.85):
// a standby first gets a snapshot, then every committed batch; savepoints rolled back are not
// replayed; sync mode makes durable() wait for the standby's acknowledgement; a standby that
// comes back catches up from where it was; checkpoint files are mirrored.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyServerChanges } from '../../core/policy/server-settings.js';
import type { Store } from '../../head/db/store.js';
import { HomeChanges } from '../../head/ha/home-mirror.js';
import { PrimaryFeed } from '../../head/ha/primary-feed.js';
import { StandbySync } from '../../head/ha/standby-sync.js';
import { purgeJob } from '../../head/jobs/job-history.js';
import { submitJob } from '../../head/jobs/submit-job.js';
import { transition } from '../../head/jobs/transitions.js';
import { Cluster } from '../../head/nodes/cluster.js';
import { addNode, MIGRATIONS, openTempStore, type TempStore } from '../helpers/db-fixture.js';
import { makeSpec } from '../helpers/records.js';

const HOST = '127.0.0.85';
const KEY = Buffer.from('a cluster HA key for the tests');
const log = pino({ level: 'silent' });

let temp: TempStore;
let store: Store;
let standbyHome: string;
let feed: PrimaryFeed;
let standby: StandbySync | undefined;
let port = 0;
let syncReports: boolean[];

async function startFeed(sync = true, changes = new HomeChanges(temp.dir)): Promise<void> {
  syncReports = [];
  port = 20000 + Math.floor(Math.random() * 20000);
  const opts = { host: HOST, port, key: KEY, home: temp.dir, sync, syncTimeoutMs: 500, heartbeatMs: 100 };
  feed = new PrimaryFeed(
    store,
    changes,
    { ...opts, epoch: () => 1, api: null, log },
    {
      syncChanged: async (inSync) => {
        syncReports.push(inSync);
      },
      pong: () => undefined,
      staleEpoch: () => undefined,
    },
  );
  await feed.start();
}

/** What the standby logged (pino's JSON lines). */
let standbyLog: string[] = [];

function startStandby(key = KEY): StandbySync {
  standbyLog = [];
  standby = new StandbySync({
    primary: { host: HOST, port },
    key,
    home: standbyHome,
    migrationsDir: MIGRATIONS,
    from: `${HOST}:1`,
    log: pino({ level: 'info' }, { write: (line: string) => standbyLog.push(line) }),
    reconnectMs: 50,
  });
  standby.start();
  return standby;
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Every row of every table but the standby's own bookkeeping. */
function dump(file: string): Record<string, unknown[]> {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all() as string[];
    return Object.fromEntries(
      tables.map((t) => [
        t,
        db
          .prepare(`SELECT * FROM "${t}"`)
          .all()
          .filter((r) => (r as { key?: string }).key !== 'ha_applied'),
      ]),
    );
  } finally {
    db.close();
  }
}

function submit(name: string): string {
  const cluster = new Cluster(store);
  const r = submitJob({ store, server: 'svr', nodes: () => cluster.schedNodes() }, makeSpec({ name }));
  if (!r.ok) throw new Error(r.error.message);
  return r.value.id;
}

beforeEach(() => {
  temp = openTempStore();
  store = temp.store;
  addNode(store, { name: 'n1', ncpus: 4 });
  standbyHome = mkdtempSync(join(tmpdir(), 'drover-standby-'));
});

afterEach(() => {
  standby?.stop();
  standby = undefined;
  feed?.stop();
  temp.dispose();
  rmSync(standbyHome, { recursive: true, force: true });
});

describe('replication', () => {
  it('copies a snapshot, then each committed batch; a rolled-back savepoint is not replayed', async () => {
    submit('before');
    await startFeed();
    startStandby();
    await until('the snapshot', () => feed.inSync);
    submit('after');
    store.transaction(() => {
      store.meta.set('kept', 'yes');
      try {
        store.transaction(() => {
          store.meta.set('dropped', 'yes');
          throw new Error('rolled back');
        });
      } catch {
        // the savepoint's write is gone, the outer one stays
      }
    });
    await feed.durable();
    expect(feed.ackedSeq).toBe(store.statements.seq);
    standby!.stop();
    expect(dump(join(standbyHome, 'head.db'))).toEqual(dump(temp.file));
    expect(dump(join(standbyHome, 'head.db')).meta).not.toContainEqual(
      expect.objectContaining({ key: 'dropped' }),
    );
  });

  it('a deleted history (qdel -x) and the scheduling setting reach the standby', async () => {
    const id = submit('short-lived');
    const seq = Number(id.split('.')[0]);
    await startFeed();
    startStandby();
    await until('the snapshot', () => feed.inSync);
    expect(transition(store, seq, { type: 'deleted', by: 'a@h' }).ok).toBe(true);
    purgeJob(store, store.jobs.get(seq)!);
    store.meta.setSettings(applyServerChanges(store.meta.settings(), { scheduling: false }));
    await feed.durable();
    standby!.stop();
    const copy = dump(join(standbyHome, 'head.db'));
    expect(copy).toEqual(dump(temp.file));
    expect(copy.jobs).toEqual([]);
    expect(copy.job_events).toEqual([]);
    expect(
      JSON.parse(
        (copy.meta as { key: string; value: string }[]).find((r) => r.key === 'server_settings')!.value,
      ),
    ).toMatchObject({ scheduling: false });
  });

  it('in sync mode a change is durable only once the standby has it; a silent standby is reported out of sync first', async () => {
    await startFeed(true);
    const s = startStandby();
    await until('in sync', () => feed.inSync);
    submit('one');
    const acked = feed.durable();
    await acked;
    expect(feed.ackedSeq).toBe(store.statements.seq);
    // the standby goes away: the next change waits for the report to the witness, then goes on
    s.stop();
    await until('the standby gone', () => !feed.inSync || syncReports.includes(false));
    submit('two');
    await feed.durable();
    expect(syncReports).toEqual([true, false]);
    expect(feed.inSync).toBe(false);
  });

  it('a standby that restarts catches up from its position, not from a new snapshot', async () => {
    await startFeed();
    const first = startStandby();
    await until('in sync', () => feed.inSync);
    submit('a');
    await feed.durable();
    first.stop();
    await until('out of sync', () => !feed.inSync);
    for (const n of ['b', 'c', 'd']) submit(n);
    const second = startStandby();
    await until('caught up', () => feed.inSync && feed.ackedSeq === store.statements.seq);
    expect(second.lineage).toBe(feed.lineage);
    second.stop();
    expect(dump(join(standbyHome, 'head.db'))).toEqual(dump(temp.file));
  });

  it('mirrors changed files under the home, in order with the batches', async () => {
    const changes = new HomeChanges(temp.dir);
    await startFeed(true, changes);
    const dir = join(temp.dir, 'checkpoints', '7.svr', '1');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'state.bin'), 'before the standby');
    startStandby();
    await until('in sync', () => feed.inSync);
    expect(readFileSync(join(standbyHome, 'checkpoints', '7.svr', '1', 'state.bin'), 'utf8')).toBe(
      'before the standby',
    );
    writeFileSync(join(dir, 'state.bin'), 'second');
    changes.changed(join(temp.dir, 'checkpoints', '7.svr'));
    submit('recorded');
    await feed.durable();
    expect(readFileSync(join(standbyHome, 'checkpoints', '7.svr', '1', 'state.bin'), 'utf8')).toBe('second');
    rmSync(join(temp.dir, 'checkpoints', '7.svr'), { recursive: true });
    changes.changed(join(temp.dir, 'checkpoints', '7.svr'));
    submit('pruned');
    await feed.durable();
    expect(() => readFileSync(join(standbyHome, 'checkpoints', '7.svr', '1', 'state.bin'))).toThrow(/ENOENT/);
  });

  it('refuses a standby with the wrong key', async () => {
    await startFeed();
    const s = startStandby(Buffer.from('not the key'));
    submit('x');
    await until('the refusal', () => standbyLog.some((l) => l.includes('wrong HA key')));
    expect(s.seq).toBe(0);
    expect(feed.inSync).toBe(false);
  });
});
