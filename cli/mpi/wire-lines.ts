// The one reader and checker of the wire-up protocol's lines (core/protocol/mpi-wireup.ts) on the
// launcher's and the node proxy's side: newline-delimited JSON, each line checked field by field,
// so that a bad line is answered with an error and never crashes the launcher or a proxy.
import type { LauncherMessage, ProxyMessage, RankMessage } from '../../core/protocol/mpi-wireup.js';

/** Longest line accepted (a fence's whole store goes the other way; ranks put addresses). */
export const MAX_LINE = 4 << 20;

/** Split a stream into lines; `undefined` once a line grows past MAX_LINE (drop the peer). */
export class LineSplitter {
  private rest = '';
  push(chunk: string): string[] | undefined {
    const text = this.rest + chunk;
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    if (this.rest.length > MAX_LINE) return undefined;
    return lines.filter((l) => l.trim() !== '');
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): v is string => typeof v === 'string';
const int = (v: unknown): v is number => Number.isSafeInteger(v);
const nat = (v: unknown): v is number => int(v) && (v as number) >= 0;
const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every(str);
const stringMap = (v: unknown): v is Record<string, string> => isObj(v) && Object.values(v).every(str);

function parse(line: string): Obj | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  return isObj(v) && str(v.t) ? v : 'not a message (an object with a string t)';
}

/** A rank's message, or what is wrong with it (and its id, to answer with). */
export function parseRankMessage(line: string): RankMessage | { error: string; id?: number } {
  const m = parse(line);
  if (typeof m === 'string') return { error: m };
  const id = int(m.id) ? { id: m.id } : {};
  const bad = (what: string) => ({ error: `bad ${String(m.t)} message: ${what}`, ...id });
  switch (m.t) {
    case 'hello':
      return str(m.key) && str(m.universe) && nat(m.rank) ? (m as RankMessage) : bad('key, universe, rank');
    case 'put':
      return str(m.key) && str(m.value) ? (m as RankMessage) : bad('key and value are strings');
    case 'fence':
      return int(m.id) ? (m as RankMessage) : bad('id');
    case 'get':
      return int(m.id) && str(m.key) && (m.universe === undefined || str(m.universe))
        ? (m as RankMessage)
        : bad('id, key, universe');
    case 'abort':
      return int(m.code) && str(m.message) ? (m as RankMessage) : bad('code and message');
    case 'finalize':
      return m as RankMessage;
    case 'spawn':
      return int(m.id) && nat(m.n) && m.n > 0 && strings(m.argv) && m.argv.length > 0
        ? (m as RankMessage)
        : bad('id, n > 0, argv (non-empty strings)');
    case 'group':
      return int(m.id) &&
        ['join', 'leave', 'members'].includes(m.op as string) &&
        str(m.name) &&
        m.name !== ''
        ? (m as RankMessage)
        : bad('id, op (join, leave, members), name');
    default:
      return { error: `unknown message type ${JSON.stringify(m.t)}`, ...id };
  }
}

/** A node proxy's message, or what is wrong with it. */
export function parseProxyMessage(line: string): ProxyMessage | { error: string } {
  const m = parse(line);
  if (typeof m === 'string') return { error: m };
  const ref = str(m.universe) && nat(m.rank);
  if (m.t === 'proxy-hello' && str(m.key) && str(m.node)) return m as ProxyMessage;
  if (m.t === 'output' && ref && (m.stream === 'out' || m.stream === 'err') && str(m.data))
    return m as ProxyMessage;
  if (m.t === 'exit' && ref && (m.code === null || int(m.code)) && (m.signal === null || str(m.signal)))
    return m as ProxyMessage;
  return { error: `bad proxy message ${JSON.stringify(m.t)}` };
}

/** The launcher's message to a proxy, or what is wrong with it. */
export function parseLauncherMessage(line: string): LauncherMessage | { error: string } {
  const m = parse(line);
  if (typeof m === 'string') return { error: m };
  if (m.t === 'kill' && str(m.signal)) return m as LauncherMessage;
  const rankOk = (r: unknown) => isObj(r) && nat(r.rank) && str(r.universe) && stringMap(r.env);
  if (
    m.t === 'start' &&
    strings(m.argv) &&
    m.argv.length > 0 &&
    str(m.cwd) &&
    Array.isArray(m.ranks) &&
    m.ranks.every(rankOk)
  )
    return m as LauncherMessage;
  return { error: `bad launcher message ${JSON.stringify(m.t)}` };
}

/** One message as a line. */
export const line = (m: object): string => `${JSON.stringify(m)}\n`;
