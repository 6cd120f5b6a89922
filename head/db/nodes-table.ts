// SQL of the nodes table.
import type { Db } from './connection.js';

export interface StoredNode {
  name: string;
  kind: 'local' | 'ssh';
  host: string;
  port: number;
  user?: string;
  identity?: string;
  /** the command that runs `drover` on the node (e.g. `node /opt/drover/dist/cli/drover.js`) */
  agentCmd?: string;
  /** the admin's fence command (argv words; the node's name and host come in DROVER_NODE/DROVER_HOST) */
  fenceCmd?: string;
  stateDir: string;
  ncpus: number;
  mem: number;
  ngpus: number;
  /** capacities the admin gave; they win over what the agent discovers */
  fixed: { ncpus?: number; mem?: number; ngpus?: number };
  labels: Record<string, string>;
  offline: boolean;
  comment?: string;
  lastStateChange: number;
}

interface RawNode {
  name: string;
  kind: 'local' | 'ssh';
  host: string;
  port: number;
  user: string | null;
  identity: string | null;
  agentCmd: string | null;
  fenceCmd: string | null;
  stateDir: string;
  ncpus: number;
  mem: number;
  ngpus: number;
  fixedNcpus: number | null;
  fixedMem: number | null;
  fixedNgpus: number | null;
  labels: string;
  offline: number;
  comment: string | null;
  lastStateChange: number;
}

const COLUMNS = `name, kind, host, port, user, identity, agent_cmd AS agentCmd, fence_cmd AS fenceCmd, state_dir AS stateDir, ncpus, mem,
  ngpus, fixed_ncpus AS fixedNcpus, fixed_mem AS fixedMem, fixed_ngpus AS fixedNgpus, labels, offline, comment,
  last_state_change AS lastStateChange`;

function decode(r: RawNode): StoredNode {
  const node: StoredNode = {
    name: r.name,
    kind: r.kind,
    host: r.host,
    port: r.port,
    stateDir: r.stateDir,
    ncpus: r.ncpus,
    mem: r.mem,
    ngpus: r.ngpus,
    fixed: {},
    labels: JSON.parse(r.labels),
    offline: r.offline === 1,
    lastStateChange: r.lastStateChange,
  };
  if (r.user !== null) node.user = r.user;
  if (r.identity !== null) node.identity = r.identity;
  if (r.agentCmd !== null) node.agentCmd = r.agentCmd;
  if (r.fenceCmd !== null) node.fenceCmd = r.fenceCmd;
  if (r.comment !== null) node.comment = r.comment;
  if (r.fixedNcpus !== null) node.fixed.ncpus = r.fixedNcpus;
  if (r.fixedMem !== null) node.fixed.mem = r.fixedMem;
  if (r.fixedNgpus !== null) node.fixed.ngpus = r.fixedNgpus;
  return node;
}

export type NewNode = Omit<StoredNode, 'offline' | 'comment' | 'ncpus' | 'mem' | 'ngpus'>;

export function nodesSql(db: Db) {
  return { ...registryStatements(db), ...stateStatements(db) };
}

/** Nodes added, changed, removed and read. */
function registryStatements(db: Db) {
  const upsert =
    db.prepare(`INSERT INTO nodes (name, kind, host, port, user, identity, agent_cmd, fence_cmd, state_dir, ncpus, mem,
      ngpus, fixed_ncpus, fixed_mem, fixed_ngpus, labels, last_state_change)
    VALUES (@name, @kind, @host, @port, @user, @identity, @agentCmd, @fenceCmd, @stateDir, coalesce(@fixedNcpus, 0),
      coalesce(@fixedMem, 0), coalesce(@fixedNgpus, 0), @fixedNcpus, @fixedMem, @fixedNgpus, @labels, @lastStateChange)
    ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, host = excluded.host, port = excluded.port,
      user = excluded.user, identity = excluded.identity, agent_cmd = excluded.agent_cmd, fence_cmd = excluded.fence_cmd, state_dir = excluded.state_dir,
      fixed_ncpus = excluded.fixed_ncpus, fixed_mem = excluded.fixed_mem, fixed_ngpus = excluded.fixed_ngpus,
      labels = excluded.labels`);
  const remove = db.prepare('DELETE FROM nodes WHERE name = ?');
  const all = db.prepare(`SELECT ${COLUMNS} FROM nodes ORDER BY name`);
  const byName = db.prepare(`SELECT ${COLUMNS} FROM nodes WHERE name = ?`);
  return {
    upsert(node: NewNode): void {
      upsert.run({
        name: node.name,
        kind: node.kind,
        host: node.host,
        port: node.port,
        user: node.user ?? null,
        identity: node.identity ?? null,
        agentCmd: node.agentCmd ?? null,
        fenceCmd: node.fenceCmd ?? null,
        stateDir: node.stateDir,
        fixedNcpus: node.fixed.ncpus ?? null,
        fixedMem: node.fixed.mem ?? null,
        fixedNgpus: node.fixed.ngpus ?? null,
        labels: JSON.stringify(node.labels),
        lastStateChange: node.lastStateChange,
      });
    },
    remove(name: string): void {
      remove.run(name);
    },
    all(): StoredNode[] {
      return (all.all() as RawNode[]).map(decode);
    },
    get(name: string): StoredNode | undefined {
      const r = byName.get(name) as RawNode | undefined;
      return r ? decode(r) : undefined;
    },
  };
}

/** What a node offers and how it stands: capacity, comment, offline. */
function stateStatements(db: Db) {
  const setCapacity =
    db.prepare(`UPDATE nodes SET ncpus = coalesce(fixed_ncpus, ?), mem = coalesce(fixed_mem, ?),
    ngpus = coalesce(fixed_ngpus, ?) WHERE name = ?`);
  const setComment = db.prepare('UPDATE nodes SET comment = ? WHERE name = ?');
  const setOffline = db.prepare(
    'UPDATE nodes SET offline = ?, comment = coalesce(?, comment), last_state_change = ? WHERE name = ?',
  );
  return {
    /** What the agent discovered; capacities the admin fixed are kept. */
    setCapacity(name: string, ncpus: number, mem: number, ngpus: number): void {
      setCapacity.run(ncpus, mem, ngpus, name);
    },
    setComment(name: string, comment: string): void {
      setComment.run(comment, name);
    },
    setOffline(name: string, offline: boolean, comment: string | undefined, at: number): void {
      setOffline.run(offline ? 1 : 0, comment ?? null, at, name);
    },
  };
}

export type NodesSql = ReturnType<typeof nodesSql>;
