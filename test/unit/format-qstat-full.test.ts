process.env.TZ = 'UTC';

import { describe, expect, it } from 'vitest';
import {
  cjson,
  formatFull,
  formatFullJson,
  jsonScalar,
  oneLineAttribute,
  wrapAttribute,
} from '../../cli/format/qstat-full.js';
import { makeJob, T0 } from '../helpers/records.js';

const SERVER = { name: 'svr', version: '23.06.06', now: T0 };

describe('formatFull', () => {
  it('prints Job Id, 4-space indented attributes and a blank line', () => {
    expect(formatFull([makeJob()], {})).toBe(
      [
        'Job Id: 1.svr',
        '    Job_Name = STDIN',
        '    Job_Owner = alice@submit.example.com',
        '    job_state = Q',
        '    queue = workq',
        '    server = svr',
        '    Checkpoint = u',
        '    ctime = Tue Nov 14 22:13:20 2023',
        '    Error_Path = submit.example.com:/home/alice/STDIN.e1',
        '    Hold_Types = n',
        '    Join_Path = n',
        '    Keep_Files = n',
        '    Mail_Points = a',
        '    mtime = Tue Nov 14 22:13:20 2023',
        '    Output_Path = submit.example.com:/home/alice/STDIN.o1',
        '    Priority = 0',
        '    qtime = Tue Nov 14 22:13:20 2023',
        '    Rerunable = True',
        '    Resource_List.ncpus = 1',
        '    Resource_List.nodect = 1',
        '    Resource_List.place = free',
        '    Resource_List.select = 1:ncpus=1',
        '    substate = 10',
        '    Variable_List = PBS_O_HOME=/home/alice,PBS_O_QUEUE=workq,',
        '\tPBS_O_WORKDIR=/home/alice,PBS_O_HOST=submit.example.com',
        '    run_count = 0',
        '    project = _pbs_project_default',
        '    Submit_Host = submit.example.com',
        '',
        '',
      ].join('\n'),
    );
  });

  it('prints nothing for no jobs', () => {
    expect(formatFull([], {})).toBe('');
    expect(formatFull([], { wide: true })).toBe('');
  });

  it('separates jobs with a blank line and keeps job_state lines exact', () => {
    const out = formatFull([makeJob(), makeJob({ seq: 2, state: 'R' })], {});
    expect(out.match(/^Job Id: .*$/gm)).toEqual(['Job Id: 1.svr', 'Job Id: 2.svr']);
    expect(out.match(/^ {4}job_state = .$/gm)).toEqual(['    job_state = Q', '    job_state = R']);
    expect(out).toContain('    Submit_Host = submit.example.com\n\nJob Id: 2.svr\n');
    expect(out.endsWith('\n\n')).toBe(true);
  });

  it('-w prints each attribute on one line with newlines escaped', () => {
    const job = makeJob({ comment: 'line one\nline two' });
    const out = formatFull([job], { wide: true });
    expect(out).toContain(
      '    Variable_List = PBS_O_HOME=/home/alice,PBS_O_QUEUE=workq,PBS_O_WORKDIR=/home/alice,PBS_O_HOST=submit.example.com\n',
    );
    expect(out).toContain('    comment = line one\\nline two\n');
    expect(out).not.toContain('\t');
  });
});

describe('wrapAttribute (78 columns, break at commas, TAB continuation)', () => {
  const x65 = 'x'.repeat(65);
  const y70 = 'y'.repeat(70);
  it.each([
    ['short value', 'Job_Name', 'STDIN', '    Job_Name = STDIN'],
    [
      'wraps at the comma that would pass column 78',
      'Variable_List',
      'PBS_O_HOME=/home/alice,PBS_O_LANG=en_US.UTF-8,PBS_O_QUEUE=workq,PBS_O_HOST=h.example.com',
      '    Variable_List = PBS_O_HOME=/home/alice,PBS_O_LANG=en_US.UTF-8,\n\tPBS_O_QUEUE=workq,PBS_O_HOST=h.example.com',
    ],
    [
      'breaks a first token longer than the line mid-token',
      'comment',
      'x'.repeat(100),
      `    comment = ${x65}\n\t${'x'.repeat(35)}`,
    ],
    [
      'starts a long later token on a new line, then breaks it',
      'comment',
      `a,${'y'.repeat(100)}`,
      `    comment = a,\n\t${y70}\n\t${'y'.repeat(30)}`,
    ],
    ['drops empty pieces like strtok', 'depend', 'a,,b', '    depend = a,b'],
  ])('%s', (_label, name, value, text) => {
    expect(wrapAttribute(name, value)).toBe(text);
  });

  it('keeps every wrapped line within the PBS limit and continues with one TAB', () => {
    const value = Array.from({ length: 30 }, (_, i) => `VAR_${i}=value_${i}`).join(',');
    const lines = wrapAttribute('Variable_List', value).split('\n');
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines.slice(0, -1)) expect(line.endsWith(',')).toBe(true);
    for (const line of lines.slice(1)) expect(line).toMatch(/^\t[^\t]/);
    for (const line of lines) expect(line.replace('\t', ' '.repeat(8)).length).toBeLessThanOrEqual(78);
    expect(lines.join('').replace(/\t/g, '')).toBe(`    Variable_List = ${value}`);
  });

  it('oneLineAttribute escapes form feeds too', () => {
    expect(oneLineAttribute('comment', 'a\fb')).toBe('    comment = a\\fb');
  });
});

describe('formatFullJson', () => {
  it('prints an empty Jobs map like cJSON', () => {
    expect(formatFullJson([], SERVER)).toBe(
      '{\n\t"timestamp":\t1700000000,\n\t"pbs_version":\t"23.06.06",\n\t"pbs_server":\t"svr",\n\t"Jobs":\t{\n\t}\n}\n',
    );
  });

  const finished = makeJob({
    seq: 123,
    state: 'F',
    substate: 92,
    exitStatus: 0,
    usage: { cput: 1, mem: 4_300_800, vmem: 0, walltime: 2, cpupercent: 50, ncpus: 1 },
    spec: {
      name: '123',
      project: '42',
      account: '7',
      variables: [
        ['PBS_O_HOME', '/home/alice'],
        ['LIST', '1,2'],
        ['N', '5'],
      ],
      resources: {
        ...makeJob().spec.resources,
        list: { ncpus: '1', mem: '1gb', walltime: '01:00:00' },
      },
    },
  });
  const doc = JSON.parse(formatFullJson([finished], SERVER));
  const job = doc.Jobs['123.svr'];

  it('keys the Jobs map by id and adds timestamp, version and server', () => {
    expect(Object.keys(doc)).toEqual(['timestamp', 'pbs_version', 'pbs_server', 'Jobs']);
    expect(doc.timestamp).toBe(T0);
    expect(doc.pbs_server).toBe('svr');
    expect(Object.keys(doc.Jobs)).toEqual(['123.svr']);
    expect(job.job_state).toBe('F');
  });

  it.each([
    ['Exit_status', 0],
    ['Priority', 0],
    ['substate', 92],
    ['run_count', 0],
    ['Job_Name', '123'],
    ['project', '42'],
    ['Account_Name', '7'],
    ['Rerunable', 'True'],
    ['ctime', 'Tue Nov 14 22:13:20 2023'],
  ])('%s is %j', (name, expected) => {
    expect(job[name]).toStrictEqual(expected);
  });

  it('nests resources and the Variable_List as objects', () => {
    expect(job.Resource_List).toStrictEqual({ mem: '1gb', ncpus: 1, walltime: '01:00:00' });
    expect(job.resources_used).toStrictEqual({
      cpupercent: 50,
      cput: '00:00:01',
      mem: '4200kb',
      ncpus: 1,
      vmem: '0kb',
      walltime: '00:00:02',
    });
    expect(job.Variable_List).toStrictEqual({ PBS_O_HOME: '/home/alice', LIST: '1,2', N: 5 });
    expect(Object.keys(job)).not.toContain('Resource_List.ncpus');
  });

  it('pretty prints with tabs at each depth and ends with a newline', () => {
    const text = formatFullJson([finished], SERVER);
    expect(text).toContain('\n\t"Jobs":\t{\n\t\t"123.svr":\t{\n\t\t\t"Job_Name":\t"123",\n');
    expect(text).toContain('\n\t\t\t"Resource_List":\t{\n\t\t\t\t"mem":\t"1gb",\n\t\t\t\t"ncpus":\t1,\n');
    expect(text).toContain('\n\t\t\t"Exit_status":\t0,\n');
    expect(text.endsWith('\n\t\t}\n\t}\n}\n')).toBe(true);
  });
});

describe('JSON helpers', () => {
  it.each([
    ['0', 0],
    ['-29', -29],
    ['1.5', 1.5],
    ['1e3', 1000],
    ['01:00:00', '01:00:00'],
    ['007', '007'],
    ['1gb', '1gb'],
    ['True', 'True'],
    ['', ''],
    ['1.2.3', '1.2.3'],
  ])('jsonScalar(%j) → %j', (text, expected) => {
    expect(jsonScalar(text)).toStrictEqual(expected);
  });

  it.each([
    [1.5, '1.5'],
    [0.1, '0.1'],
    [2 ** 40, '1099511627776'],
    [1e21, '1e+21'],
    [1e-7, '1e-07'],
    [-2147483648, '-2147483648'],
    ['a"b', '"a\\"b"'],
    [['a', 'b'], '["a", "b"]'],
    [new Map(), '{\n}'],
  ])('cjson(%j) → %j', (value, text) => {
    expect(cjson(value)).toBe(text);
  });
});
