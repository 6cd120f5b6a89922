import { describe, expect, it } from 'vitest';
import {
  formatQueues,
  formatQueuesFull,
  formatQueuesJson,
  formatServer,
  formatServerFull,
  formatServerJson,
  stateCount,
} from '../../cli/format/qstat-server.js';
import type { JobState } from '../../core/lifecycle/states.js';
import { emptyCounts } from '../../core/lifecycle/states.js';
import { defaultSettings } from '../../core/policy/server-settings.js';
import type { QueueRecord, ServerRecord } from '../../core/record-types.js';
import { T0 } from '../helpers/records.js';

function counts(set: Partial<Record<JobState, number>>): Record<JobState, number> {
  return { ...emptyCounts(), ...set };
}

function makeQueue(overrides: Partial<QueueRecord> = {}): QueueRecord {
  return {
    name: 'workq',
    type: 'Execution',
    enabled: true,
    started: true,
    priority: 0,
    fairshare: false,
    counts: counts({ Q: 1, R: 1 }),
    total: 2,
    ...overrides,
  };
}

const server: ServerRecord = {
  name: 'svr',
  defaultQueue: 'workq',
  version: '23.06.06',
  counts: counts({ Q: 1, R: 1 }),
  total: 2,
  status: 'Active',
  now: T0,
};

describe('stateCount', () => {
  it('lists the seven PBS state words in order', () => {
    expect(stateCount(counts({ T: 1, Q: 2, H: 3, W: 4, R: 5, E: 6, B: 7, F: 9 }))).toBe(
      'Transit:1 Queued:2 Held:3 Waiting:4 Running:5 Exiting:6 Begun:7',
    );
  });
});

describe('formatQueues (qstat -Q)', () => {
  it('prints the header and rows with Type Exe*', () => {
    expect(formatQueues([makeQueue()])).toBe(
      'Queue              Max   Tot Ena Str   Que   Run   Hld   Wat   Trn   Ext Type\n' +
        '---------------- ----- ----- --- --- ----- ----- ----- ----- ----- ----- ----\n' +
        'workq                0     2 yes yes     1     1     0     0     0     0 Exe*\n',
    );
  });

  it.each([
    ['a disabled, stopped queue', { enabled: false, started: false }, 'no  no'],
    ['a long queue name', { name: 'averyveryverylongq' }, 'averyveryverylo*'],
    ['a six-digit total', { total: 123456 }, '1234*'],
  ])('shows %s', (_label, overrides, expected) => {
    const row = formatQueues([makeQueue(overrides)]).split('\n')[2] ?? '';
    expect(row).toContain(expected);
    expect(row).toHaveLength(77);
  });

  it('prints nothing for no queues', () => {
    expect(formatQueues([])).toBe('');
  });
});

describe('formatQueuesFull (qstat -Qf)', () => {
  it('prints Queue: <name>, the attributes and a blank line', () => {
    expect(
      formatQueuesFull([makeQueue(), makeQueue({ name: 'long', priority: 10, counts: counts({}) })]),
    ).toBe(
      [
        'Queue: workq',
        '    queue_type = Execution',
        '    Priority = 0',
        '    total_jobs = 2',
        // OpenPBS's qstat breaks a comma-less value longer than the line mid-token.
        '    state_count = Transit:0 Queued:1 Held:0 Waiting:0 Running:1 Exiting:0 Begun',
        '\t:0',
        '    enabled = True',
        '    started = True',
        '',
        'Queue: long',
        '    queue_type = Execution',
        '    Priority = 10',
        '    total_jobs = 2',
        // OpenPBS's qstat breaks a comma-less value longer than the line mid-token.
        '    state_count = Transit:0 Queued:0 Held:0 Waiting:0 Running:0 Exiting:0 Begun',
        '\t:0',
        '    enabled = True',
        '    started = True',
        '',
        '',
      ].join('\n'),
    );
  });
});

describe('formatServer (qstat -B)', () => {
  it('prints the header and the server row', () => {
    expect(formatServer(server)).toBe(
      'Server             Max   Tot   Que   Run   Hld   Wat   Trn   Ext Status\n' +
        '---------------- ----- ----- ----- ----- ----- ----- ----- ----- -----------\n' +
        'svr                  0     2     1     1     0     0     0     0 Active    \n',
    );
  });

  it('keeps the server name in the second field for clients that read $2', () => {
    const out = formatServerFull(server);
    expect(out.split('\n')[0]?.split(' ')).toEqual(['Server:', 'svr']);
  });
});

describe('formatServerFull (qstat -Bf)', () => {
  it('says scheduling = False while the scheduler is paused', () => {
    const paused = { ...server, status: 'Idle', settings: { ...defaultSettings(), scheduling: false } };
    const lines = formatServerFull(paused).split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'Server: svr',
      '    server_state = Idle',
      '    server_host = svr',
      '    scheduling = False',
    ]);
  });

  it('prints Server: <name> and the attributes', () => {
    expect(formatServerFull(server)).toBe(
      [
        'Server: svr',
        '    server_state = Active',
        '    server_host = svr',
        '    scheduling = True',
        '    total_jobs = 2',
        // OpenPBS's qstat breaks a comma-less value longer than the line mid-token.
        '    state_count = Transit:0 Queued:1 Held:0 Waiting:0 Running:1 Exiting:0 Begun',
        '\t:0',
        '    default_queue = workq',
        '    pbs_version = 23.06.06',
        '',
        '',
      ].join('\n'),
    );
  });
});

describe('JSON (-Qf -F json, -Bf -F json)', () => {
  it('puts queues under "Queue" with numbers as numbers', () => {
    const doc = JSON.parse(formatQueuesJson([makeQueue()], { name: 'svr', version: '23.06.06', now: T0 }));
    expect(doc).toStrictEqual({
      timestamp: T0,
      pbs_version: '23.06.06',
      pbs_server: 'svr',
      Queue: {
        workq: {
          queue_type: 'Execution',
          Priority: 0,
          total_jobs: 2,
          state_count: 'Transit:0 Queued:1 Held:0 Waiting:0 Running:1 Exiting:0 Begun:0',
          enabled: 'True',
          started: 'True',
        },
      },
    });
  });

  it('puts the server under "Server" and keeps pbs_version a string', () => {
    const text = formatServerJson({ ...server, version: '1.0' });
    const doc = JSON.parse(text);
    expect(Object.keys(doc)).toEqual(['timestamp', 'pbs_version', 'pbs_server', 'Server']);
    expect(doc.Server.svr.pbs_version).toBe('1.0');
    expect(doc.Server.svr.total_jobs).toBe(2);
    expect(text).toContain('\n\t"Server":\t{\n\t\t"svr":\t{\n\t\t\t"server_state":\t"Active",\n');
    expect(text.endsWith('}\n')).toBe(true);
  });
});
