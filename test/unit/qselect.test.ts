// qselect's command line (core/pbs/qselect-command-line.ts) and its tests on job records
// (core/pbs/select-criteria.ts): pure, no head.
import { describe, expect, it } from 'vitest';
import { destinationOf } from '../../core/pbs/destination.js';
import {
  parseQselectCommandLine,
  parseResourceTests,
  type QselectParsed,
  splitOp,
} from '../../core/pbs/qselect-command-line.js';
import { compileTests, type SelectTest } from '../../core/pbs/select-criteria.js';
import type { JobRecord } from '../../core/record-types.js';
import { makeJob, T0 } from '../helpers/records.js';

const NOW = T0;

function request(argv: string[]) {
  const r = parseQselectCommandLine(argv, NOW);
  if (!r.ok || r.value === 'version') throw new Error(`not a request: ${JSON.stringify(r)}`);
  return r.value;
}

function refusal(argv: string[]): Extract<QselectParsed, { ok: false }> {
  const r = parseQselectCommandLine(argv, NOW);
  if (r.ok) throw new Error(`accepted: ${argv.join(' ')}`);
  return r;
}

/** The ids of `jobs` that pass `tests`. */
function selected(tests: SelectTest[], jobs: JobRecord[]): string[] {
  const pass = compileTests(tests);
  if (!pass.ok) throw new Error(pass.error.message);
  return jobs.filter(pass.value).map((j) => j.id);
}

const withList = (seq: number, list: Record<string, string>) =>
  makeJob({ seq, spec: { resources: { ...makeJob().spec.resources, list } } });

describe('the -l resource list', () => {
  it('reads name.op.value entries separated by commas', () => {
    expect(parseResourceTests('walltime.gt.01:00:00')).toEqual([
      { attr: 'resource', resource: 'walltime', op: 'gt', value: '01:00:00' },
    ]);
    expect(parseResourceTests('ncpus.ge.2,mem.lt.1gb')).toEqual([
      { attr: 'resource', resource: 'ncpus', op: 'ge', value: '2' },
      { attr: 'resource', resource: 'mem', op: 'lt', value: '1gb' },
    ]);
    // a value may hold dots and = (select is text)
    expect(parseResourceTests('select.eq.1:ncpus=2')).toEqual([
      { attr: 'resource', resource: 'select', op: 'eq', value: '1:ncpus=2' },
    ]);
  });

  it('refuses what qselect calls an illegal -l value', () => {
    for (const bad of [
      'walltime',
      'walltime.gt',
      'walltime.gt.',
      'walltime.xx.5',
      'ncpus.eq.1,',
      '.eq.1',
      'a.eqX1',
    ])
      expect(parseResourceTests(bad), bad).toBeUndefined();
    const r = refusal(['-l', 'ncpus.eq']);
    expect(r.error).toEqual({ code: 'USAGE', message: 'illegal -l value', usage: true });
    expect(r.after).toBe('resource_list: ncpus.eq');
  });
});

describe('the command line', () => {
  it('takes an optional .op. before the values of -a -c -h -p -s -t (an unknown op is .eq.)', () => {
    expect(splitOp('.gt.5')).toEqual({ op: 'gt', value: '5' });
    expect(splitOp('5')).toEqual({ op: 'eq', value: '5' });
    expect(splitOp('.zz.5')).toEqual({ op: 'eq', value: '5' });
    expect(request(['-p.ne.3', '-s', 'QH', '-h', 'uo']).tests).toEqual([
      { attr: 'priority', op: 'ne', value: '3' },
      { attr: 'state', op: 'eq', value: 'QH' },
      { attr: 'hold', op: 'eq', value: 'uo' },
    ]);
  });

  it('reads -u -q -N -A -P -r -J -x -T -H', () => {
    const r = request(['-u', 'alice,bob@*.example.com', '-q', 'short@svr', '-N', 'job1', '-A', 'acct']);
    expect(r).toEqual({
      tests: [
        { attr: 'user', op: 'eq', value: 'alice,bob@*.example.com' },
        { attr: 'queue', op: 'eq', value: 'short' },
        { attr: 'name', op: 'eq', value: 'job1' },
        { attr: 'account', op: 'eq', value: 'acct' },
      ],
      history: false,
      subjobs: false,
      server: 'svr',
    });
    expect(request(['-x', '-T', '-J', '-r', 'n', '-P', 'proj'])).toEqual({
      tests: [
        { attr: 'array', op: 'eq', value: 'True' },
        { attr: 'rerunable', op: 'eq', value: 'n' },
        { attr: 'project', op: 'eq', value: 'proj' },
      ],
      history: true,
      subjobs: true,
    });
    expect(request(['-H'])).toEqual({
      tests: [{ attr: 'state', op: 'eq', value: 'FM' }],
      history: true,
      subjobs: false,
    });
  });

  it('reads -a and -t times as qsub -a reads them, -t with its letter first', () => {
    const a = request(['-a', '.ge.202401011200']).tests[0]!;
    expect(a).toMatchObject({ attr: 'executionTime', op: 'ge' });
    expect(Number(a.value)).toBe(new Date(2024, 0, 1, 12, 0).getTime() / 1000);
    expect(request(['-t', 's.lt.202401011200']).tests[0]).toMatchObject({ attr: 'stime', op: 'lt' });
    expect(request(['-t', 'c202401011200']).tests[0]).toMatchObject({ attr: 'ctime', op: 'eq' });
  });

  it("refuses bad values with qselect's words and exit 2, the usage after them", () => {
    const cases: [string[], string][] = [
      [['-s', 'ABCD'], 'illegal -s value'],
      [['-a', '.ne.1111111111111111'], 'illegal -a value'],
      [['-c.abcd.w'], 'illegal -c value'],
      [['-h', 'x'], 'illegal -h value'],
      [['-r', 'maybe'], 'illegal -r value'],
      [['-t', 'z.eq.1200'], 'illegal -t value'],
      [['-N', 'a'.repeat(300)], 'illegal -N value'],
      [['-u', `${'a'.repeat(300)}@${'b'.repeat(300)}`], 'illegal -u value'],
    ];
    for (const [argv, message] of cases)
      expect(refusal(argv).error, argv.join(' ')).toEqual({ code: 'USAGE', message, usage: true });
    expect(refusal(['-q', `${'a'.repeat(30)}@${'b'.repeat(30)}`]).error).toEqual({
      code: 'USAGE',
      message: `illegally formed destination: ${'a'.repeat(30)}@${'b'.repeat(30)}`,
    });
    expect(refusal(['-Z']).error).toEqual({ code: 'USAGE', message: "invalid option -- 'Z'", usage: true });
    expect(refusal(['12']).error).toEqual({ code: 'USAGE', message: '', usage: true });
    expect(parseQselectCommandLine(['--version'], NOW)).toEqual({ ok: true, value: 'version' });
  });

  it('names destinations as qmove takes them: queue, @server, queue@server; queue names up to 15', () => {
    expect(destinationOf('short')).toEqual({ queue: 'short' });
    expect(destinationOf('@svr')).toEqual({ server: 'svr' });
    expect(destinationOf('short@svr.example.com')).toEqual({ queue: 'short', server: 'svr.example.com' });
    for (const bad of ['', '@', 'a@b@c', 'a'.repeat(16)]) expect(destinationOf(bad), bad).toBeUndefined();
  });
});

describe('the tests on job records', () => {
  it('compares resources by their kind; a job without the resource is below any value', () => {
    const jobs = [
      withList(1, { walltime: '00:30:00', mem: '512mb', ncpus: '1' }),
      withList(2, { walltime: '02:00:00', mem: '2gb', ncpus: '4' }),
      withList(3, { ncpus: '2' }),
    ];
    const l = (text: string) => parseResourceTests(text)!;
    expect(selected(l('walltime.gt.01:00:00'), jobs)).toEqual(['2.svr']);
    expect(selected(l('walltime.lt.1:00:00'), jobs)).toEqual(['1.svr', '3.svr']);
    expect(selected(l('mem.ge.1024mb'), jobs)).toEqual(['2.svr']);
    expect(selected(l('ncpus.ne.2'), jobs)).toEqual(['1.svr', '2.svr']);
    // job 3 has no walltime: below 2:00:00, so .le. passes it
    expect(selected(l('ncpus.ge.2,walltime.le.2:00:00'), jobs)).toEqual(['2.svr', '3.svr']);
  });

  it('refuses an unknown resource (187) and a value of the wrong kind (166), as the head does', () => {
    expect(compileTests(parseResourceTests('foo.eq.1')!)).toEqual({
      ok: false,
      error: { code: 'UNKNOWN_RESOURCE', message: 'Unknown resource Resource_List.foo' },
    });
    expect(compileTests(parseResourceTests('walltime.gt.abc')!)).toEqual({
      ok: false,
      error: { code: 'BAD_RESOURCE_VALUE', message: 'Illegal attribute or resource value' },
    });
    expect(compileTests([{ attr: 'priority', op: 'eq', value: 'high' }]).ok).toBe(false);
  });

  it('selects by user (with host patterns), state letters, queue, name, holds, priority, arrays', () => {
    const jobs = [
      makeJob({ seq: 1, owner: 'alice@n1.example.com', state: 'Q', spec: { priority: 5 } }),
      makeJob({ seq: 2, owner: 'bob@login', state: 'H', holdTypes: 'uo', queue: 'short' }),
      makeJob({ seq: 3, owner: 'carol@n1.example.com', state: 'R', name: 'render' }),
      { ...makeJob({ seq: 4, owner: 'bob@n2.example.com', state: 'B' }), id: '4[].svr' },
    ];
    const run = (argv: string[]) => selected(request(argv).tests, jobs);
    expect(run(['-u', 'bob'])).toEqual(['2.svr', '4[].svr']);
    expect(run(['-u', 'alice@*.example.com,bob@login'])).toEqual(['1.svr', '2.svr']);
    expect(run(['-s', 'QH'])).toEqual(['1.svr', '2.svr']);
    expect(run(['-s', '.ne.QH'])).toEqual(['3.svr', '4[].svr']);
    expect(run(['-q', 'short'])).toEqual(['2.svr']);
    expect(run(['-N', 'render'])).toEqual(['3.svr']);
    expect(run(['-h', 'ou'])).toEqual(['2.svr']);
    expect(run(['-h', 'n'])).toEqual(['1.svr', '3.svr', '4[].svr']);
    expect(run(['-p.gt.0'])).toEqual(['1.svr']);
    expect(run(['-J'])).toEqual(['4[].svr']);
    expect(run(['-s', 'Q', '-u', 'bob'])).toEqual([]);
  });
});
