// Database-tier fixtures: a head store on a temp SQLite file with the real migrations, and nodes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { StoredNode } from '../../head/db/nodes-table.js';
import { openStore, type Store } from '../../head/db/store.js';
import { registerFeatures } from '../../head/features.js';

export const MIGRATIONS = resolve(import.meta.dirname, '../../migrations');

/** The store with the head's job features registered, as head/main.ts does. */
function withFeatures(store: Store): Store {
  registerFeatures(store);
  return store;
}

export interface TempStore {
  dir: string;
  file: string;
  store: Store;
  /** Close the store and open the same file again. */
  reopen(): Store;
  /** Close the store and remove the directory. */
  dispose(): void;
}

export function openTempStore(): TempStore {
  const dir = mkdtempSync(join(tmpdir(), 'drover-'));
  const file = join(dir, 'head.db');
  const fixture: TempStore = {
    dir,
    file,
    store: withFeatures(openStore(file, MIGRATIONS)),
    reopen() {
      if (fixture.store.db.open) fixture.store.db.close();
      fixture.store = withFeatures(openStore(file, MIGRATIONS));
      return fixture.store;
    },
    dispose() {
      if (fixture.store.db.open) fixture.store.db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}

/** Insert a compute node (4 CPUs, 8 GiB, no GPUs unless overridden): capacities as the admin fixed them. */
export function addNode(
  store: Store,
  overrides: Partial<Omit<StoredNode, 'offline' | 'comment' | 'fixed'>> = {},
): void {
  const name = overrides.name ?? 'n1';
  const { ncpus = 4, mem = 8 * 1024 ** 3, ngpus = 0, ...rest } = overrides;
  store.nodes.upsert({
    name,
    kind: 'ssh',
    host: `${name}.example.com`,
    port: 22,
    stateDir: '/var/spool/drover',
    labels: {},
    lastStateChange: 0,
    ...rest,
    fixed: { ncpus, mem, ngpus },
  });
}
