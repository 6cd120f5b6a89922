// Which heads a command may ask, and in what order (pure: cli/client.ts does the I/O). A cluster
// with a standby head names both: `DROVER_SERVER=http://a:15001,http://b:15001`, or a line
// `DROVER_SERVER=…` in the cluster's config file (`DROVER_CONF`, default /etc/drover.conf), as PBS
// reads /etc/pbs.conf. Only the primary serves; a head that is not answers NOT_PRIMARY, naming
// the primary when it knows it (head/api/role-gate.ts), and the command moves on.
import { join } from 'node:path';

/** One head: its Unix socket, or its TCP address (`key` is `http://HOST:PORT`). */
export type Head = { key: string; socketPath: string } | { key: string; host: string; port: number };

/** One entry of DROVER_SERVER: `http://HOST:PORT`, or `HOST:PORT`; undefined when it is not one. */
export function parseHead(text: string): Head | undefined {
  const s = text.trim();
  if (!s) return undefined;
  let u: URL;
  try {
    u = new URL(s.includes('://') ? s : `http://${s}`);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' || !u.hostname || (u.pathname !== '/' && u.pathname !== '')) return undefined;
  const port = Number(u.port || 80);
  return { key: `http://${u.host}`, host: u.hostname.replace(/^\[|\]$/g, ''), port };
}

/** DROVER_SERVER's heads, comma-separated, in order and each once; the entries that are not heads. */
export function parseServerList(value: string): { heads: Head[]; bad: string[] } {
  const heads: Head[] = [];
  const bad: string[] = [];
  for (const part of value.split(',')) {
    if (!part.trim()) continue;
    const h = parseHead(part);
    if (!h) bad.push(part.trim());
    else if (!heads.some((x) => x.key === h.key)) heads.push(h);
  }
  return { heads, bad };
}

/**
 * The value of `key` in a config file of `KEY=VALUE` lines (`#` comments, blank lines, optional
 * quotes around the value, the last line wins), as /etc/pbs.conf is written.
 */
export function confValue(text: string, key: string): string | undefined {
  let value: string | undefined;
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m || m[1] !== key) continue;
    const v = m[2]!;
    value = /^(["']).*\1$/.test(v) ? v.slice(1, -1) : v;
  }
  return value;
}

/** What decides the heads to ask (read from the environment and the file system by the client). */
export interface HeadSources {
  /** $DROVER_SERVER */
  server?: string | undefined;
  /** $DROVER_HOME */
  home?: string | undefined;
  /** DROVER_SERVER of the cluster config file */
  conf?: string | undefined;
  /** head.sock of a head on this host (~/.drover's, else the system's) when one exists */
  localSocket?: string | undefined;
  /** the system head's socket, the default when nothing else names a head */
  systemSocket: string;
}

/**
 * The heads to ask, first to last: DROVER_SERVER's; else $DROVER_HOME's socket; else a head on
 * this host (its socket), then the config file's heads; else the system head's socket.
 */
export function headsToAsk(s: HeadSources): { heads: Head[]; bad: string[] } {
  if (s.server) return parseServerList(s.server);
  const socket = (path: string): Head => ({ key: `unix:${path}`, socketPath: path });
  if (s.home) return { heads: [socket(join(s.home, 'head.sock'))], bad: [] };
  const conf = s.conf ? parseServerList(s.conf) : { heads: [], bad: [] };
  const local = s.localSocket ? [socket(s.localSocket)] : [];
  const heads = [...local, ...conf.heads];
  return { heads: heads.length > 0 ? heads : [socket(s.systemSocket)], bad: conf.bad };
}

/**
 * One pass over the heads: from `first` (the head that answered last time, or the one after a
 * head that died), then the rest in order, each once. A head's hint of the primary goes to the
 * front of what is left (also a head the list does not name).
 */
export class HeadWalk {
  private readonly left: Head[];
  private readonly tried = new Set<string>();

  constructor(heads: Head[], first?: string) {
    const at = heads.findIndex((h) => h.key === first);
    this.left = at > 0 ? [...heads.slice(at), ...heads.slice(0, at)] : [...heads];
  }

  /** The next head to try, or undefined when every one has been tried. */
  next(): Head | undefined {
    for (;;) {
      const h = this.left.shift();
      if (!h || !this.tried.has(h.key)) {
        if (h) this.tried.add(h.key);
        return h;
      }
    }
  }

  /** A head said the primary is at `hint` (`http://HOST:PORT`): try it next, unless tried. */
  follow(hint: string | undefined): void {
    const h = hint?.startsWith('http://') ? parseHead(hint) : undefined;
    if (h && !this.tried.has(h.key)) this.left.unshift(h);
  }
}

/** The head after `key` in the list (where a retry starts when `key` died under a request). */
export function headAfter(heads: Head[], key: string): string | undefined {
  const at = heads.findIndex((h) => h.key === key);
  return at < 0 ? heads[0]?.key : heads[(at + 1) % heads.length]?.key;
}

/** How long a command waits, at most, for some head to answer as the primary (a takeover's time). */
export const FAILOVER_WAIT_MS = 15_000;

/** The pause before the `n`th pass over the heads while waiting for a primary (n ≥ 1). */
export function backoffMs(n: number): number {
  return Math.min(1000, 100 * 2 ** (n - 1));
}
