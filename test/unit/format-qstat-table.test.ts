import { describe, expect, it } from 'vitest';
import { formatAlternate, formatDefault, nodeLines, shortJobId } from '../../cli/format/qstat-table.js';
import { makeJob } from '../helpers/records.js';

const HEADER = [
  'Job id            Name             User              Time Use S Queue',
  '----------------  ---------------- ----------------  -------- - -----',
];
const WIDE_HEADER = [
  'Job id                         Name            User             Time Use S Queue',
  '-----------------------------  --------------- ---------------  -------- - ---------------',
];

const lines = (text: string): string[] => text.split('\n').slice(0, -1);

describe('formatDefault (qstat)', () => {
  it('prints nothing at all for no jobs', () => {
    expect(formatDefault([], {})).toBe('');
    expect(formatDefault([], { wide: true })).toBe('');
  });

  it('prints the header once and 80-column rows', () => {
    const out = formatDefault([makeJob(), makeJob({ seq: 2, state: 'R' })], {});
    expect(lines(out)).toEqual([
      ...HEADER,
      '1.svr             STDIN            alice                    0 Q workq           ',
      '2.svr             STDIN            alice                    0 R workq           ',
    ]);
    expect(
      lines(out)
        .slice(2)
        .map((l) => l.length),
    ).toEqual([80, 80]);
  });

  it('reads like the columns clients parse: id, name, user, time, state, queue', () => {
    const job = makeJob({ seq: 42, state: 'R', usage: usage({ cput: 3725 }) });
    const row = lines(formatDefault([job], {}))[2] ?? '';
    expect(row.trim().split(/\s+/)).toEqual(['42.svr', 'STDIN', 'alice', '01:02:05', 'R', 'workq']);
  });

  it.each([
    ['id cut after the first server label', { id: '123.host.example.com' }, 'id', '123.host'],
    ['id longer than 17 chars', { id: '1234567890123.averylongserver' }, 'id', '1234567890123.av*'],
    ['id of exactly 17 chars', { id: '1234567890123.abc' }, 'id', '1234567890123.abc'],
    ['name of 15 chars', { name: 'abcdefghijklmno' }, 'name', 'abcdefghijklmno'],
    ['name of 16 chars', { name: 'abcdefghijklmnop' }, 'name', 'abcdefghijklmno*'],
    ['user of 16 chars', { owner: 'abcdefghijklmnop@host' }, 'user', 'abcdefghijklmnop'],
    ['user of 17 chars', { owner: 'abcdefghijklmnopq@host' }, 'user', 'abcdefghijklmno*'],
    ['user without @host', { owner: 'bob' }, 'user', 'bob'],
    ['queue of 17 chars', { queue: 'abcdefghijklmnopq' }, 'queue', 'abcdefghijklmno*'],
    ['time use from cput', { usage: usage({ cput: 59 }) }, 'time', '00:00:59'],
    ['time use over 99 hours', { usage: usage({ cput: 360_000 }) }, 'time', '100:00:*'],
    ['time use before any usage', {}, 'time', '0'],
  ])('%s', (_label, overrides, column, expected) => {
    const row = lines(formatDefault([makeJob(overrides)], {}))[2] ?? '';
    const cols = {
      id: row.slice(0, 17),
      name: row.slice(18, 34),
      user: row.slice(35, 51),
      time: row.slice(53, 61),
      queue: row.slice(64),
    };
    expect(cols[column as keyof typeof cols].trim()).toBe(expected);
  });

  it('-w uses the wide header and 30/15/15/8/1/15 columns', () => {
    const job = makeJob({ id: '1234567890123456789012345678901.svr', name: 'a-rather-long-job-name' });
    const out = lines(formatDefault([job], { wide: true }));
    expect(out.slice(0, 2)).toEqual(WIDE_HEADER);
    expect(out[2]).toBe(
      `${'12345678901234567890123456789*'} ${'a-rather-long-*'} ${'alice'.padEnd(15)}  ${'0'.padStart(8)} Q ${'workq'.padEnd(15)}`,
    );
    expect(out[2]).toHaveLength(90);
  });
});

describe('shortJobId', () => {
  it.each([
    ['1.svr', '1.svr'],
    ['1.svr.example.com', '1.svr'],
    ['12[].svr.example.com', '12[].svr'],
    ['7', '7'],
  ])('%s → %s', (id, short) => {
    expect(shortJobId(id)).toBe(short);
  });
});

const ALT_HEADER = [
  '',
  'svr: ',
  `${' '.repeat(60)}Req'd  Req'd   Elap`,
  'Job ID          Username Queue    Jobname    SessID NDS TSK Memory Time  S Time',
  '--------------- -------- -------- ---------- ------ --- --- ------ ----- - -----',
];

function usage(u: Partial<{ cput: number; walltime: number }>) {
  return { cput: 0, mem: 0, vmem: 0, walltime: 0, cpupercent: 0, ncpus: 1, ...u };
}

const running = makeJob({
  id: '17.svr.example.com',
  seq: 17,
  state: 'R',
  sessionId: 12345,
  execHost: 'node1.example.com/0*2+node2.example.com/0*2',
  comment: 'Job run at Tue Nov 14 at 22:14 on (node1:ncpus=2)+(node2:ncpus=2)',
  usage: usage({ walltime: 305, cput: 20 }),
  spec: {
    resources: {
      ...makeJob().spec.resources,
      list: { mem: '1gb', ncpus: '4', nodect: '2', select: '2:ncpus=2', walltime: '01:00:00' },
    },
  },
});

describe('formatAlternate (qstat -a)', () => {
  it('prints nothing for no jobs', () => {
    expect(formatAlternate([], { server: 'svr' })).toBe('');
  });

  it('prints the blank line, server line, two header lines, dashes and 80-column rows', () => {
    const out = lines(formatAlternate([makeJob(), running], { server: 'svr' }));
    expect(out).toEqual([
      ...ALT_HEADER,
      '1.svr           alice    workq    STDIN         --    1   1    --    --  Q   -- ',
      '17.svr.example* alice    workq    STDIN       12345   2   4    1gb 01:00 R 00:05',
    ]);
    expect(out.slice(3).map((l) => l.length)).toEqual([79, 80, 80, 80]);
  });

  it.each([
    ['id over 15 chars', { id: '123456789012345.svr' }, 0, '12345678901234*'],
    ['user over 8 chars', { owner: 'averylonguser@h' }, 1, 'averylo*'],
    ['queue over 8 chars', { queue: 'longqueue1' }, 2, 'longque*'],
    ['job name over 10 chars', { name: 'abcdefghijk' }, 3, 'abcdefghi*'],
    ['session id over 6 digits', { sessionId: 1234567 }, 4, '12345*'],
  ])('truncates the %s with *', (_label, overrides, index, expected) => {
    const row = lines(formatAlternate([makeJob(overrides)], { server: 'svr' }))[5] ?? '';
    expect(row.split(/\s+/)[index]).toBe(expected);
  });

  it('uses cput for both time columns when cput was requested', () => {
    const job = makeJob({
      state: 'R',
      usage: usage({ cput: 125, walltime: 3000 }),
      spec: { resources: { ...makeJob().spec.resources, list: { cput: '00:10:00', walltime: '02:00:00' } } },
    });
    const row = lines(formatAlternate([job], { server: 'svr' }))[5] ?? '';
    expect(row.slice(-13)).toBe('00:10 R 00:02');
  });

  it('-n adds exec_host with domains stripped; queued jobs show --', () => {
    const out = lines(formatAlternate([running, makeJob()], { server: 'svr', nodes: true }));
    expect(out.slice(5)).toEqual([
      '17.svr.example* alice    workq    STDIN       12345   2   4    1gb 01:00 R 00:05',
      '   node1/0*2+node2/0*2',
      '1.svr           alice    workq    STDIN         --    1   1    --    --  Q   -- ',
      '    -- ',
    ]);
  });

  it('-s adds the comment, cut to 71 characters and ...', () => {
    const long = makeJob({ comment: `Not Running: ${'x'.repeat(100)}` });
    const out = lines(formatAlternate([running, long], { server: 'svr', comments: true }));
    expect(out[6]).toBe('   Job run at Tue Nov 14 at 22:14 on (node1:ncpus=2)+(node2:ncpus=2)');
    expect(out[8]).toBe(`   Not Running: ${'x'.repeat(58)}...`);
    expect(out[8]).toHaveLength(77);
  });

  it('-s shows -- for a job without a comment', () => {
    const out = lines(formatAlternate([makeJob()], { server: 'svr', comments: true }));
    expect(out[6]).toBe('    -- ');
  });

  it('-1 puts the -n and -s output on the row line', () => {
    const row = '17.svr.example* alice    workq    STDIN       12345   2   4    1gb 01:00 R 00:05';
    expect(lines(formatAlternate([running], { server: 'svr', nodes: true, oneLine: true })).slice(5)).toEqual(
      [`${row} node1/0*2+node2/0*2`],
    );
    const short = makeJob({ comment: 'held' });
    expect(lines(formatAlternate([short], { server: 'svr', comments: true, oneLine: true }))[5]).toMatch(
      / {4}held$/,
    );
  });

  it('-T shows the Est header and -- in the last column', () => {
    const out = lines(formatAlternate([running], { server: 'svr', estimated: true }));
    expect(out.slice(0, 4)).toEqual([
      '',
      'svr: ',
      `${' '.repeat(75)}Est`,
      `${' '.repeat(60)}Req'd  Req'd   Start`,
    ]);
    expect(out[6]?.slice(-7)).toBe('R    --');
  });
});

describe('nodeLines (-n wrapping)', () => {
  const chunks = Array.from({ length: 10 }, (_, i) => `node${String(i).padStart(2, '0')}/0*4`);

  it('breaks after the + that would reach column 78', () => {
    expect(nodeLines(chunks.join('+'), false)).toBe(
      `   ${chunks.slice(0, 7).join('+')}+\n   ${chunks.slice(7).join('+')}\n`,
    );
  });

  it('keeps everything on one line for -1', () => {
    expect(nodeLines(chunks.join('+'), true)).toBe(`${chunks.join('+')}\n`);
  });

  it('keeps IPv4 addresses whole', () => {
    expect(nodeLines('10.0.0.5/0+n2.example.com/1', false)).toBe('   10.0.0.5/0+n2/1\n');
  });
});
