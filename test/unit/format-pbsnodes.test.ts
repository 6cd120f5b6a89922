process.env.TZ = 'UTC';

import { describe, expect, it } from 'vitest';
import { formatNodes, formatNodesJson, formatNodesList } from '../../cli/format/pbsnodes-output.js';
import { makeNode, T0 } from '../helpers/records.js';

const SERVER = { name: 'svr', version: '23.06.06', now: T0 };

const busy = makeNode({
  name: 'gpu1',
  host: 'gpu1.example.com',
  state: 'job-busy',
  ncpus: 2,
  ngpus: 1,
  assignedNcpus: 2,
  assignedMem: 4 * 1024 ** 3,
  assignedNgpus: 1,
  labels: { gpu_model: 'a100', ncpus: '99' },
  jobs: ['12.svr/0', '12.svr/1', '13.svr/2'],
  comment: 'in use',
});

describe('formatNodes (pbsnodes -a)', () => {
  it('prints the name, 5-space indented attributes and a blank line', () => {
    expect(formatNodes([makeNode()], T0)).toBe(
      [
        'node1',
        '     Mom = node1',
        '     ntype = PBS',
        '     state = free',
        '     pcpus = 4',
        '     resources_available.host = node1',
        '     resources_available.mem = 8388608kb',
        '     resources_available.ncpus = 4',
        '     resources_available.vnode = node1',
        '     resources_assigned.mem = 0kb',
        '     resources_assigned.ncpus = 0',
        '     resources_assigned.ngpus = 0',
        '     resv_enable = True',
        '     sharing = default_shared',
        '     last_state_change_time = Tue Nov 14 22:13:20 2023',
        '',
        '',
      ].join('\n'),
    );
  });

  it('adds jobs, ngpus, labels and the comment where PBS puts them', () => {
    const lines = formatNodes([busy], T0).split('\n');
    expect(lines.slice(0, 12)).toEqual([
      'gpu1',
      '     Mom = gpu1.example.com',
      '     ntype = PBS',
      '     state = job-busy',
      '     pcpus = 2',
      '     jobs = 12.svr/0, 12.svr/1, 13.svr/2',
      '     resources_available.host = gpu1.example.com',
      '     resources_available.mem = 8388608kb',
      '     resources_available.ncpus = 2',
      '     resources_available.ngpus = 1',
      '     resources_available.vnode = gpu1',
      '     resources_available.gpu_model = a100',
    ]);
    expect(lines.slice(12, 17)).toEqual([
      '     resources_assigned.mem = 4194304kb',
      '     resources_assigned.ncpus = 2',
      '     resources_assigned.ngpus = 1',
      '     comment = in use',
      '     resv_enable = True',
    ]);
  });

  it('indents every attribute line by exactly five spaces', () => {
    const lines = formatNodes([makeNode(), busy], T0).split('\n');
    const attrLines = lines.filter((l) => l.includes(' = '));
    expect(attrLines.length).toBeGreaterThan(20);
    for (const line of attrLines) expect(line).toMatch(/^ {5}\S/);
    expect(lines.filter((l) => l === '')).toHaveLength(3);
  });

  it.each([
    'free',
    'job-busy',
    'offline',
    'down',
    'offline,job-busy',
    'state-unknown,down',
  ])('prints the state words %s as they are', (state) => {
    expect(formatNodes([makeNode({ state })], T0)).toContain(`\n     state = ${state}\n`);
  });

  it('prints nothing for no nodes', () => {
    expect(formatNodes([], T0)).toBe('');
  });
});

describe('formatNodesList (pbsnodes -l)', () => {
  it('lists only down or offline nodes as %-20s state comment', () => {
    const nodes = [
      makeNode({ name: 'node1' }),
      makeNode({ name: 'node2', state: 'down', comment: 'node unreachable' }),
      makeNode({ name: 'node3', state: 'offline' }),
      makeNode({ name: 'node4', state: 'offline,job-busy', comment: 'draining' }),
      makeNode({ name: 'node5', state: 'job-busy' }),
    ];
    expect(formatNodesList(nodes)).toBe(
      'node2                down node unreachable\n' +
        'node3                offline \n' +
        'node4                offline,job-busy draining\n',
    );
  });

  it('prints nothing when no node is marked', () => {
    expect(formatNodesList([makeNode()])).toBe('');
  });
});

describe('formatNodesJson (pbsnodes -a -F json)', () => {
  it('prints an empty nodes map like cJSON', () => {
    expect(formatNodesJson([], SERVER)).toBe(
      '{\n\t"timestamp":\t1700000000,\n\t"pbs_version":\t"23.06.06",\n\t"pbs_server":\t"svr",\n\t"nodes":\t{\n\t}\n}\n',
    );
  });

  it('nests resources, drops zero assignments and lists job ids once', () => {
    const doc = JSON.parse(formatNodesJson([makeNode(), busy], SERVER));
    expect(Object.keys(doc.nodes)).toEqual(['node1', 'gpu1']);
    expect(doc.nodes.node1).toStrictEqual({
      Mom: 'node1',
      ntype: 'PBS',
      state: 'free',
      pcpus: 4,
      resources_available: { host: 'node1', mem: '8388608kb', ncpus: 4, vnode: 'node1' },
      resources_assigned: {},
      resv_enable: 'True',
      sharing: 'default_shared',
      last_state_change_time: T0,
    });
    expect(doc.nodes.gpu1.jobs).toStrictEqual(['12.svr', '13.svr']);
    expect(doc.nodes.gpu1.resources_assigned).toStrictEqual({ mem: '4194304kb', ncpus: 2, ngpus: 1 });
    expect(doc.nodes.gpu1.resources_available.gpu_model).toBe('a100');
    expect(doc.nodes.gpu1.comment).toBe('in use');
  });

  it('prints arrays inline and empty objects on two lines', () => {
    const text = formatNodesJson([makeNode(), busy], SERVER);
    expect(text).toContain('\t\t\t"jobs":\t["12.svr", "13.svr"],\n');
    expect(text).toContain('\t\t\t"resources_assigned":\t{\n\t\t\t},\n');
  });
});
