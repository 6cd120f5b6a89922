// drover mpiexec's options and rank placement (cli/mpi/rank-placement.ts), the wire-up lines' checks
// (cli/mpi/wire-lines.ts) and the whole-line output buffer (cli/mpi/rank-runner.ts).
import { describe, expect, it } from 'vitest';
import { localRanks, nodefileHosts, parseMpiexec, placeRanks } from '../../cli/mpi/rank-placement.js';
import { LineBuffer } from '../../cli/mpi/rank-runner.js';
import {
  LineSplitter,
  parseLauncherMessage,
  parseProxyMessage,
  parseRankMessage,
} from '../../cli/mpi/wire-lines.js';
import { selectTaskSlots } from '../../core/scheduling/task-slots.js';

describe('mpiexec options', () => {
  it('reads the options before the command, and leaves the command its own', () => {
    expect(parseMpiexec(['-n', '4', 'node', 'p.js', '-n', '2', '--tag-output'])).toEqual({
      n: 4,
      tagOutput: false,
      oversubscribe: false,
      argv: ['node', 'p.js', '-n', '2', '--tag-output'],
    });
    expect(parseMpiexec(['-np=2', '--ppn', '1', '--tag-output', '--oversubscribe', '--', '-x'])).toEqual({
      n: 2,
      ppn: 1,
      tagOutput: true,
      oversubscribe: true,
      argv: ['-x'],
    });
  });

  it.each([
    [['node'], '-n N is required'],
    [['-n', '2'], 'a command is required'],
    [['-n', '0', 'x'], "-n wants a positive integer, got '0'"],
    [['-n', '1.5', 'x'], "-n wants a positive integer, got '1.5'"],
    [['-n'], "-n wants a positive integer, got ''"],
    [['-n', '2', '--ppn', '-1', 'x'], "--ppn wants a positive integer, got '-1'"],
    [['-n', '2', '--host', 'a', 'x'], 'unknown option --host'],
    [['--tag-output=1', '-n', '1', 'x'], '--tag-output takes no value'],
  ])('%o is refused: %s', (args, message) => {
    expect(parseMpiexec(args)).toBe(message);
  });
});

describe('rank placement', () => {
  const hosts = nodefileHosts('a\na\n\nb\nb \n');
  it('follows PBS_NODEFILE, or P ranks per node with --ppn', () => {
    expect(hosts).toEqual(['a', 'a', 'b', 'b']);
    expect(placeRanks(hosts, { n: 3, oversubscribe: false })).toEqual(['a', 'a', 'b']);
    expect(placeRanks(hosts, { n: 2, ppn: 1, oversubscribe: false })).toEqual(['a', 'b']);
    expect(placeRanks(hosts, { n: 4, ppn: 2, oversubscribe: false })).toEqual(['a', 'a', 'b', 'b']);
    expect(localRanks(['a', 'b', 'a', 'b', 'a'])).toEqual([0, 0, 1, 1, 2]);
  });

  it("starts a node's proxy on the job's first slot on that host (pbsdsh's task path)", () => {
    expect(selectTaskSlots(3, { host: 'b' }, ['a', 'b', 'b'])).toEqual({ ok: true, value: [1] });
    expect(selectTaskSlots(3, { host: 'c' }, ['a', 'b', 'b'])).toEqual({
      ok: false,
      error: { code: 'FAILED', message: 'the job has no slot on c' },
    });
  });

  it('refuses more ranks than slots unless oversubscribed, then wraps around', () => {
    expect(placeRanks(hosts, { n: 5, oversubscribe: false })).toBe(
      "5 ranks do not fit the job's 4 slots (--oversubscribe to run them anyway)",
    );
    expect(placeRanks(hosts, { n: 5, oversubscribe: true })).toEqual(['a', 'a', 'b', 'b', 'a']);
    expect(placeRanks(hosts, { n: 3, ppn: 1, oversubscribe: false })).toBe(
      '3 ranks at 1 per node need 3 nodes, the job has 2 (--oversubscribe to run them anyway)',
    );
    expect(placeRanks(hosts, { n: 3, ppn: 3, oversubscribe: false })).toBe(
      "--ppn 3 is more than the job's 2 slots on a (--oversubscribe to run them anyway)",
    );
    expect(placeRanks(hosts, { n: 6, ppn: 3, oversubscribe: true })).toEqual(['a', 'a', 'a', 'b', 'b', 'b']);
    expect(placeRanks([], { n: 1, oversubscribe: true })).toBe(
      'the job has no slots (PBS_NODEFILE is empty)',
    );
  });
});

describe('wire-up lines', () => {
  it('checks every message field by field and names what is wrong', () => {
    expect(parseRankMessage('{"t":"fence","id":1}')).toEqual({ t: 'fence', id: 1 });
    expect(parseRankMessage('nope')).toEqual({ error: 'not JSON' });
    expect(parseRankMessage('[1]')).toEqual({ error: 'not a message (an object with a string t)' });
    expect(parseRankMessage('{"t":"put","key":1,"value":"x"}')).toEqual({
      error: 'bad put message: key and value are strings',
    });
    expect(parseRankMessage('{"t":"get","id":3}')).toEqual({
      error: 'bad get message: id, key, universe',
      id: 3,
    });
    expect(parseRankMessage('{"t":"spawn","id":2,"n":0,"argv":["x"]}')).toHaveProperty('error');
    expect(parseRankMessage('{"t":"group","id":2,"op":"drop","name":"g"}')).toHaveProperty('error');
    expect(parseRankMessage('{"t":"shout","id":5}')).toEqual({
      error: 'unknown message type "shout"',
      id: 5,
    });
    expect(
      parseProxyMessage('{"t":"exit","universe":"u","rank":1,"code":null,"signal":"SIGKILL"}'),
    ).toHaveProperty('t', 'exit');
    expect(
      parseProxyMessage('{"t":"output","universe":"u","rank":1,"stream":"in","data":""}'),
    ).toHaveProperty('error');
    expect(
      parseLauncherMessage(
        '{"t":"start","argv":["x"],"cwd":"/","ranks":[{"rank":0,"universe":"u","env":{"A":"1"}}]}',
      ),
    ).toHaveProperty('t', 'start');
    expect(
      parseLauncherMessage(
        '{"t":"start","argv":["x"],"cwd":"/","ranks":[{"rank":0,"universe":"u","env":{"A":1}}]}',
      ),
    ).toHaveProperty('error');
  });

  it('splits lines across chunks and gives up on an endless line', () => {
    const s = new LineSplitter();
    expect(s.push('{"a"')).toEqual([]);
    expect(s.push(':1}\n\n{"b":2}\n{')).toEqual(['{"a":1}', '{"b":2}']);
    expect(new LineSplitter().push('x'.repeat((4 << 20) + 1))).toBeUndefined();
  });

  it('passes output on in whole lines, the rest at the end, and a very long line in pieces', () => {
    const b = new LineBuffer();
    expect(b.push('one\ntw')).toBe('one\n');
    expect(b.push('o\nthr')).toBe('two\n');
    expect(b.flush()).toBe('thr\n');
    expect(b.flush()).toBe('');
    expect(b.push('x'.repeat(70_000))).toBe(`${'x'.repeat(70_000)}\n`);
  });
});
