process.env.TZ = 'UTC';

import { describe, expect, it } from 'vitest';
import { jobAttributes, variableList } from '../../cli/format/job-attributes.js';
import { makeJob, T0 } from '../helpers/records.js';

const names = (attrs: [string, string][]): string[] => attrs.map(([name]) => name);
const value = (attrs: [string, string][], name: string): string | undefined =>
  attrs.find(([n]) => n === name)?.[1];

const runningJob = makeJob({
  seq: 7,
  state: 'R',
  substate: 42,
  execHost: 'n1/0*2',
  execVnode: '(n1:ncpus=2:mem=1048576kb)',
  stime: T0 + 60,
  etime: T0,
  sessionId: 4242,
  comment: 'Job run at Tue Nov 14 at 22:14 on (n1:ncpus=2:mem=1048576kb)',
  runCount: 1,
  exitStatus: 0,
  obittime: T0 + 120,
  usage: { cput: 3725, mem: 4_300_800, vmem: 8_601_600, walltime: 305, cpupercent: 99.6, ncpus: 2 },
  spec: {
    account: 'acct',
    depend: 'afterok:1.svr',
    executionTime: T0 + 3600,
    mailUsers: 'alice@example.com',
    shell: '/bin/bash',
    userList: 'alice',
    submitArgs: '-N x job.sh',
  },
});

describe('jobAttributes', () => {
  it('lists only the attributes a fresh queued job has, in PBS order', () => {
    expect(names(jobAttributes(makeJob()))).toEqual([
      'Job_Name',
      'Job_Owner',
      'job_state',
      'queue',
      'server',
      'Checkpoint',
      'ctime',
      'Error_Path',
      'Hold_Types',
      'Join_Path',
      'Keep_Files',
      'Mail_Points',
      'mtime',
      'Output_Path',
      'Priority',
      'qtime',
      'Rerunable',
      'Resource_List.ncpus',
      'Resource_List.nodect',
      'Resource_List.place',
      'Resource_List.select',
      'substate',
      'Variable_List',
      'run_count',
      'project',
      'Submit_Host',
    ]);
  });

  it('lists every set attribute of a running job in PBS order', () => {
    expect(names(jobAttributes(runningJob))).toEqual([
      'Job_Name',
      'Job_Owner',
      'resources_used.cpupercent',
      'resources_used.cput',
      'resources_used.mem',
      'resources_used.ncpus',
      'resources_used.vmem',
      'resources_used.walltime',
      'job_state',
      'queue',
      'server',
      'Account_Name',
      'Checkpoint',
      'ctime',
      'depend',
      'Error_Path',
      'exec_host',
      'exec_vnode',
      'Execution_Time',
      'Hold_Types',
      'Join_Path',
      'Keep_Files',
      'Mail_Points',
      'Mail_Users',
      'mtime',
      'Output_Path',
      'Priority',
      'qtime',
      'Rerunable',
      'Resource_List.ncpus',
      'Resource_List.nodect',
      'Resource_List.place',
      'Resource_List.select',
      'stime',
      'obittime',
      'session_id',
      'Shell_Path_List',
      'substate',
      'User_List',
      'Variable_List',
      'comment',
      'etime',
      'run_count',
      'Exit_status',
      'Submit_arguments',
      'project',
      'Submit_Host',
    ]);
  });

  it.each([
    ['resources_used.cpupercent', '100'],
    ['resources_used.cput', '01:02:05'],
    ['resources_used.mem', '4200kb'],
    ['resources_used.ncpus', '2'],
    ['resources_used.vmem', '8400kb'],
    ['resources_used.walltime', '00:05:05'],
    ['job_state', 'R'],
    ['ctime', 'Tue Nov 14 22:13:20 2023'],
    ['stime', 'Tue Nov 14 22:14:20 2023'],
    ['Execution_Time', 'Tue Nov 14 23:13:20 2023'],
    ['Error_Path', 'submit.example.com:/home/alice/STDIN.e7'],
    ['Rerunable', 'True'],
    ['Priority', '0'],
    ['session_id', '4242'],
    ['substate', '42'],
    ['Exit_status', '0'],
    ['Submit_arguments', '-N x job.sh'],
  ])('%s = %s', (name, expected) => {
    expect(value(jobAttributes(runningJob), name)).toBe(expected);
  });

  it('shows Rerunable = False and leaves Exit_status out until it is defined', () => {
    const attrs = jobAttributes(makeJob({ spec: { rerunable: false } }));
    expect(value(attrs, 'Rerunable')).toBe('False');
    expect(names(attrs)).not.toContain('Exit_status');
    expect(value(jobAttributes(makeJob({ exitStatus: -29 })), 'Exit_status')).toBe('-29');
  });

  it('sorts Resource_List names case-insensitively', () => {
    const list = { walltime: '01:00:00', ncpus: '2', Abc: 'x', mem: '1gb', Zed: 'z' };
    const job = makeJob({ spec: { resources: { ...makeJob().spec.resources, list } } });
    const resources = jobAttributes(job).filter(([n]) => n.startsWith('Resource_List.'));
    expect(resources).toEqual([
      ['Resource_List.Abc', 'x'],
      ['Resource_List.mem', '1gb'],
      ['Resource_List.ncpus', '2'],
      ['Resource_List.walltime', '01:00:00'],
      ['Resource_List.Zed', 'z'],
    ]);
  });

  it('writes executable and argument_list for qsub -- jobs', () => {
    const attrs = jobAttributes(makeJob({ spec: { executable: '/bin/sleep', argv: ['10', '20'] } }));
    expect(value(attrs, 'executable')).toBe('<jsdl-hpcpa:Executable>/bin/sleep</jsdl-hpcpa:Executable>');
    expect(value(attrs, 'argument_list')).toBe(
      '<jsdl-hpcpa:Argument>10</jsdl-hpcpa:Argument><jsdl-hpcpa:Argument>20</jsdl-hpcpa:Argument>',
    );
    const order = names(attrs);
    expect(order.indexOf('executable')).toBe(order.indexOf('run_count') + 1);
    expect(order.indexOf('argument_list')).toBe(order.indexOf('executable') + 1);
  });

  it('leaves argument_list out when the executable has no arguments', () => {
    const attrs = jobAttributes(makeJob({ spec: { executable: '/bin/true', argv: [] } }));
    expect(names(attrs)).toContain('executable');
    expect(names(attrs)).not.toContain('argument_list');
  });
});

describe('variableList', () => {
  it.each([
    [[], ''],
    [[['A', 'x']], 'A=x'],
    [
      [
        ['A', '1,2'],
        ['B', 'y'],
      ],
      'A=1\\,2,B=y',
    ],
    [[['EMPTY', '']], 'EMPTY='],
  ] as [[string, string][], string][])('%j → %s', (vars, text) => {
    expect(variableList(vars)).toBe(text);
  });
});
