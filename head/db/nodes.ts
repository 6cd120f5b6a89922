// SQL of the nodes table.
import type { Db } from './connection.js';

export interface StoredNode {
  name: string;
  kind: 'local' | 'ssh';
  host: string;
  stateDir: string;
  ncpus: number;
  mem: number;
  ngpus: number;
  labels: Record<string, string>;
  offline: boolean;
  comment?: string;
  lastStateChange: number;
}

interface RawNode extends Omit<StoredNode, 'labels' | 'offline' | 'comment'> {
  labels: string;
  offline: number;
  comment: string | null;
}

const COLUMNS = `name, kind, host, state_dir AS stateDir, ncpus, mem, ngpus, labels, offline, comment,
  last_state_change AS lastStateChange`;

function decode(r: RawNode): StoredNode {
  const node: StoredNode = {
    ...r,
    labels: JSON.parse(r.labels),
    offline: r.offline === 1,
    comment: r.comment ?? undefined,
  };
  if (node.comment === undefined) delete node.comment;
  return node;
}

export function nodesSql(db: Db) {
  const upsert =
    db.prepare(`INSERT INTO nodes (name, kind, host, state_dir, ncpus, mem, ngpus, labels, last_state_change)
    VALUES (@name, @kind, @host, @stateDir, @ncpus, @mem, @ngpus, @labels, @lastStateChange)
    ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, host = excluded.host, state_dir = excluded.state_dir`);
  const all = db.prepare(`SELECT ${COLUMNS} FROM nodes ORDER BY name`);
  const byName = db.prepare(`SELECT ${COLUMNS} FROM nodes WHERE name = ?`);
  const setCapacity = db.prepare('UPDATE nodes SET ncpus = ?, mem = ?, ngpus = ? WHERE name = ?');
  const setOffline = db.prepare(
    'UPDATE nodes SET offline = ?, comment = coalesce(?, comment), last_state_change = ? WHERE name = ?',
  );
  return {
    upsert(node: Omit<StoredNode, 'offline' | 'comment'>): void {
      upsert.run({ ...node, labels: JSON.stringify(node.labels) });
    },
    all(): StoredNode[] {
      return (all.all() as RawNode[]).map(decode);
    },
    get(name: string): StoredNode | undefined {
      const r = byName.get(name) as RawNode | undefined;
      return r ? decode(r) : undefined;
    },
    setCapacity(name: string, ncpus: number, mem: number, ngpus: number): void {
      setCapacity.run(ncpus, mem, ngpus, name);
    },
    setOffline(name: string, offline: boolean, comment: string | undefined, at: number): void {
      setOffline.run(offline ? 1 : 0, comment ?? null, at, name);
    },
  };
}

export type NodesSql = ReturnType<typeof nodesSql>;
