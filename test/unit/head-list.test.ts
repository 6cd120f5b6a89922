// Which heads a command asks, and in what order (cli/head-list.ts): DROVER_SERVER's list, the
// cluster config file, the walk over the heads with the primary's hint, the retry's start.
import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  confValue,
  FAILOVER_WAIT_MS,
  type Head,
  HeadWalk,
  headAfter,
  headsToAsk,
  parseHead,
  parseServerList,
} from '../../cli/head-list.js';

const keys = (heads: Head[]) => heads.map((h) => h.key);

function walkAll(walk: HeadWalk, hints: Record<string, string> = {}): string[] {
  const out: string[] = [];
  for (let h = walk.next(); h; h = walk.next()) {
    out.push(h.key);
    walk.follow(hints[h.key]);
  }
  return out;
}

describe('DROVER_SERVER', () => {
  it('names one head or several, comma-separated, each once', () => {
    expect(parseServerList('http://a:15001')).toEqual({
      heads: [{ key: 'http://a:15001', host: 'a', port: 15001 }],
      bad: [],
    });
    const r = parseServerList(' http://a:15001, b:15001 ,,http://a:15001,http://[::1]:9');
    expect(keys(r.heads)).toEqual(['http://a:15001', 'http://b:15001', 'http://[::1]:9']);
    expect(r.heads[2]).toMatchObject({ host: '::1', port: 9 });
    expect(r.bad).toEqual([]);
  });

  it('a port defaults to 80; what is not an http head is set aside', () => {
    expect(parseHead('http://h')).toMatchObject({ key: 'http://h', port: 80 });
    expect(parseServerList('https://a:1,http://b:2/v1,http://c:3,:::').bad).toEqual([
      'https://a:1',
      'http://b:2/v1',
      ':::',
    ]);
  });
});

describe('the cluster config file', () => {
  it('KEY=VALUE lines as /etc/pbs.conf: comments, spaces, quotes, the last one wins', () => {
    const text = [
      '# the cluster',
      'PBS_EXEC=/opt/pbs',
      '  DROVER_SERVER = http://old:1',
      'DROVER_SERVER="http://a:15001,http://b:15001"',
      '#DROVER_SERVER=http://commented:1',
      'DROVER_SERVERS=http://other:1',
      '',
    ].join('\n');
    expect(confValue(text, 'DROVER_SERVER')).toBe('http://a:15001,http://b:15001');
    expect(confValue('X=1\n', 'DROVER_SERVER')).toBeUndefined();
    expect(confValue("DROVER_SERVER='h:1'\r\n", 'DROVER_SERVER')).toBe('h:1');
  });
});

describe('the heads to ask', () => {
  const system = '/var/spool/drover/head.sock';
  it('DROVER_SERVER first, then $DROVER_HOME: neither reads the config file', () => {
    expect(
      keys(headsToAsk({ server: 'a:1,b:2', home: '/h', conf: 'c:3', systemSocket: system }).heads),
    ).toEqual(['http://a:1', 'http://b:2']);
    expect(
      keys(headsToAsk({ home: '/h', conf: 'c:3', localSocket: '/x', systemSocket: system }).heads),
    ).toEqual(['unix:/h/head.sock']);
  });

  it('else a head on this host, then the config file’s heads; else the system head', () => {
    expect(keys(headsToAsk({ conf: 'a:1,b:2', localSocket: system, systemSocket: system }).heads)).toEqual([
      `unix:${system}`,
      'http://a:1',
      'http://b:2',
    ]);
    expect(keys(headsToAsk({ conf: 'a:1', systemSocket: system }).heads)).toEqual(['http://a:1']);
    expect(keys(headsToAsk({ systemSocket: system }).heads)).toEqual([`unix:${system}`]);
    expect(headsToAsk({ conf: 'a:1,nope://x', systemSocket: system }).bad).toEqual(['nope://x']);
  });
});

describe('the order of the heads', () => {
  const heads = parseServerList('a:1,b:1,c:1').heads;

  it('in order, each once; from the head that answered last time, wrapping around', () => {
    expect(walkAll(new HeadWalk(heads))).toEqual(['http://a:1', 'http://b:1', 'http://c:1']);
    expect(walkAll(new HeadWalk(heads, 'http://b:1'))).toEqual(['http://b:1', 'http://c:1', 'http://a:1']);
    expect(walkAll(new HeadWalk(heads, 'http://gone:1'))).toEqual(['http://a:1', 'http://b:1', 'http://c:1']);
  });

  it('a standby’s hint of the primary is tried next, also a head the list does not name', () => {
    expect(walkAll(new HeadWalk(heads), { 'http://a:1': 'http://c:1' })).toEqual([
      'http://a:1',
      'http://c:1',
      'http://b:1',
    ]);
    expect(walkAll(new HeadWalk(heads), { 'http://a:1': 'http://d:1' })).toEqual([
      'http://a:1',
      'http://d:1',
      'http://b:1',
      'http://c:1',
    ]);
  });

  it('a hint of a head already tried, or none, changes nothing (no head is asked twice)', () => {
    const hints = { 'http://b:1': 'http://a:1', 'http://c:1': 'http://b:1', 'http://a:1': 'garbage' };
    expect(walkAll(new HeadWalk(heads), hints)).toEqual(['http://a:1', 'http://b:1', 'http://c:1']);
  });

  it('a retry after a head went away starts with the next head', () => {
    expect(headAfter(heads, 'http://a:1')).toBe('http://b:1');
    expect(headAfter(heads, 'http://c:1')).toBe('http://a:1');
    expect(headAfter(heads.slice(0, 1), 'http://a:1')).toBe('http://a:1');
    expect(headAfter(heads, 'http://d:1')).toBe('http://a:1');
  });

  it('the wait for a primary: pauses growing to a second, within a takeover’s time', () => {
    expect([1, 2, 3, 4, 5, 9].map(backoffMs)).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(FAILOVER_WAIT_MS).toBeGreaterThanOrEqual(10_000);
  });
});
