import { describe, expect, it } from 'vitest';
import type { Result } from '../../core/errors.js';
import type { ResourceRequest } from '../../core/job-spec-types.js';
import {
  mergeResourceEntries,
  parseResourceArgs,
  type ResourceEntry,
} from '../../core/pbs/resource-entries.js';
import { alterResources, buildResourceRequest } from '../../core/pbs/resources.js';

const GB = 1024 ** 3;
const MB = 1024 ** 2;

function request(...values: string[]): Result<ResourceRequest> {
  const entries = parseResourceArgs(values);
  return entries.ok ? buildResourceRequest(entries.value) : entries;
}

function built(...values: string[]): ResourceRequest {
  const result = request(...values);
  if (!result.ok) throw new Error(`refused: ${result.error.message}`);
  return result.value;
}

const e = (name: string, value: string): ResourceEntry => ({ name, value });

describe('parseResourceArgs', () => {
  it.each([
    [['walltime=1:00:00'], [e('walltime', '1:00:00')]],
    [['ncpus=2,mem=1gb'], [e('ncpus', '2'), e('mem', '1gb')]],
    [
      ['ncpus=2', 'mem=1gb'],
      [e('ncpus', '2'), e('mem', '1gb')],
    ],
    [['software="a,b",ncpus=1'], [e('software', 'a,b'), e('ncpus', '1')]],
    [["software='x,y'"], [e('software', 'x,y')]],
    [['select=2:ncpus=4:mem=4gb+1:ncpus=1'], [e('select', '2:ncpus=4:mem=4gb+1:ncpus=1')]],
  ])('%j', (values, entries) => {
    expect(parseResourceArgs(values)).toEqual({ ok: true, value: entries });
  });

  it.each([
    [['ncpus=2,']],
    [['ncpus=2,,mem=1gb']],
    [['ncpus']],
    [['']],
    [['=2']],
    [['walltime=']],
    [['software="a,b']],
  ])('%j is a syntax error', (values) => {
    expect(parseResourceArgs(values)).toEqual({
      ok: false,
      error: { code: 'USAGE', message: 'illegal -l value', usage: true },
    });
  });
});

describe('mergeResourceEntries', () => {
  it('lets the command line beat a directive for the same resource', () => {
    const merged = mergeResourceEntries(
      [e('walltime', '2:00:00')],
      [e('walltime', '1:00:00'), e('mem', '1gb')],
    );
    expect(merged).toEqual([e('walltime', '2:00:00'), e('mem', '1gb')]);
  });

  it('lets a later command-line duplicate override an earlier one', () => {
    expect(mergeResourceEntries([e('ncpus', '1'), e('ncpus', '4')], [])).toEqual([e('ncpus', '4')]);
  });

  it('keeps the first directive for a resource', () => {
    const merged = mergeResourceEntries([], [e('walltime', '1:00:00'), e('walltime', '3:00:00')]);
    expect(merged).toEqual([e('walltime', '1:00:00')]);
  });

  it('compares names case-insensitively', () => {
    expect(mergeResourceEntries([e('Walltime', '5')], [e('walltime', '6')])).toEqual([e('Walltime', '5')]);
  });
});

describe('buildResourceRequest: Resource_List', () => {
  it.each([
    [[], { ncpus: '1', nodect: '1', place: 'pack', select: '1:ncpus=1' }],
    [
      ['ncpus=4,mem=2GB'],
      { mem: '2gb', ncpus: '4', nodect: '1', place: 'pack', select: '1:ncpus=4:mem=2gb' },
    ],
    [['mem=8gb'], { mem: '8gb', ncpus: '1', nodect: '1', place: 'pack', select: '1:ncpus=1:mem=8gb' }],
    [
      ['walltime=90:00,ncpus=2'],
      { ncpus: '2', nodect: '1', place: 'pack', select: '1:ncpus=2', walltime: '01:30:00' },
    ],
    [
      ['select=2:ncpus=4:mem=4gb'],
      { mem: '8gb', ncpus: '8', nodect: '2', place: 'free', select: '2:ncpus=4:mem=4gb' },
    ],
    [['select=2:mem=1gb'], { mem: '2gb', ncpus: '2', nodect: '2', place: 'free', select: '2:mem=1gb' }],
    [
      ['select=1:mem=1gb+1:mem=512mb'],
      { mem: '1536mb', ncpus: '2', nodect: '2', place: 'free', select: '1:mem=1gb+1:mem=512mb' },
    ],
    [
      ['select=1:ncpus=2:mem=954MB', 'walltime=1:00:00'],
      {
        mem: '954mb',
        ncpus: '2',
        nodect: '1',
        place: 'free',
        select: '1:ncpus=2:mem=954MB',
        walltime: '01:00:00',
      },
    ],
    [
      ['select=2:ncpus=2:ngpus=1:gpu=true', 'place=scatter:excl'],
      { ncpus: '4', ngpus: '2', nodect: '2', place: 'scatter:excl', select: '2:ncpus=2:ngpus=1:gpu=true' },
    ],
    [
      ['nodes=2:ppn=4'],
      { ncpus: '8', nodect: '2', nodes: '2:ppn=4', place: 'scatter', select: '2:ncpus=4:mpiprocs=4' },
    ],
    [['nodes=1'], { ncpus: '1', nodect: '1', nodes: '1', place: 'scatter', select: '1:ncpus=1' }],
    [
      ['nodes=1:ppn=8,mem=16gb'],
      {
        mem: '16gb',
        ncpus: '8',
        nodect: '1',
        nodes: '1:ppn=8',
        place: 'scatter',
        select: '1:ncpus=8:mpiprocs=8:mem=16777216kb',
      },
    ],
    [
      ['nodes=2#excl'],
      { ncpus: '2', nodect: '2', nodes: '2#excl', place: 'scatter:excl', select: '2:ncpus=1' },
    ],
    [
      ['cput=10:00,pmem=1000mb,software=abaqus'],
      {
        cput: '00:10:00',
        ncpus: '1',
        nodect: '1',
        place: 'pack',
        pmem: '1000mb',
        select: '1:ncpus=1',
        software: 'abaqus',
      },
    ],
  ])('%j', (values, list) => {
    const result = built(...values);
    expect(result.list).toEqual(list);
    expect(Object.keys(result.list)).toEqual(Object.keys(list).sort());
  });

  it('sorts Resource_List names case-insensitively', () => {
    expect(Object.keys(built('walltime=1:00', 'select=1:ncpus=1', 'place=free').list)).toEqual([
      'ncpus',
      'nodect',
      'place',
      'select',
      'walltime',
    ]);
  });
});

describe('buildResourceRequest: chunks and placement', () => {
  it('gives the default job one chunk of one cpu, packed', () => {
    const result = built();
    expect(result.chunks).toEqual([{ count: 1, ncpus: 1, mpiprocs: 1, ompthreads: 1, labels: {} }]);
    expect(result.place).toEqual({ arrangement: 'pack' });
    expect(result.walltime).toBeUndefined();
  });

  it('turns job-wide ncpus and mem into one chunk', () => {
    expect(built('ncpus=4,mem=2gb').chunks).toEqual([
      { count: 1, ncpus: 4, mem: 2 * GB, mpiprocs: 1, ompthreads: 4, labels: {} },
    ]);
  });

  it('reads every select chunk with its defaults and labels', () => {
    expect(built('select=2:ncpus=4:mpiprocs=4+1:ncpus=0:mem=512mb:host=n1+gpu=true').chunks).toEqual([
      { count: 2, ncpus: 4, mpiprocs: 4, ompthreads: 4, labels: {} },
      { count: 1, ncpus: 0, mem: 512 * MB, mpiprocs: 0, ompthreads: 0, labels: { host: 'n1' } },
      { count: 1, ncpus: 1, mpiprocs: 1, ompthreads: 1, labels: { gpu: 'true' } },
    ]);
  });

  it('keeps explicit ompthreads and ngpus', () => {
    expect(built('select=1:ncpus=8:ompthreads=2:ngpus=2').chunks).toEqual([
      { count: 1, ncpus: 8, ngpus: 2, mpiprocs: 1, ompthreads: 2, labels: {} },
    ]);
  });

  it('converts nodes with ppn, properties and host names', () => {
    const result = built('nodes=n1:ppn=2+3:bigmem');
    expect(result.chunks).toEqual([
      { count: 1, ncpus: 2, mpiprocs: 2, ompthreads: 2, labels: { host: 'n1' } },
      { count: 3, ncpus: 1, mpiprocs: 1, ompthreads: 1, labels: { bigmem: 'True' } },
    ]);
    expect(result.list.select).toBe('1:ncpus=2:mpiprocs=2:host=n1+3:ncpus=1:bigmem=True');
    expect(result.list.ncpus).toBe('5');
    expect(result.list.nodect).toBe('4');
    expect(result.place).toEqual({ arrangement: 'scatter' });
  });

  it('spreads a job-wide ncpus evenly over nodes without ppn', () => {
    const result = built('nodes=2,ncpus=8');
    expect(result.list.select).toBe('2:ncpus=4');
    expect(result.list.ncpus).toBe('8');
  });

  it.each([
    ['place=scatter', { arrangement: 'scatter' }],
    ['place=excl', { arrangement: 'free', sharing: 'excl' }],
    ['place=pack:exclhost', { arrangement: 'pack', sharing: 'exclhost' }],
    ['place=shared:vscatter', { arrangement: 'vscatter', sharing: 'shared' }],
    ['place=group=switch:scatter', { arrangement: 'scatter', group: 'switch' }],
    ['place=free:excl:group=rack', { arrangement: 'free', sharing: 'excl', group: 'rack' }],
  ])('reads %s', (place, expected) => {
    const result = built('select=1:ncpus=1', place);
    expect(result.place).toEqual(expected);
    expect(result.list.place).toBe(place.slice('place='.length));
  });

  it('stores walltime and cput in seconds', () => {
    const result = built('walltime=1:30:00,cput=100:00');
    expect(result.walltime).toBe(5400);
    expect(result.cput).toBe(6000);
  });
});

describe('buildResourceRequest refusals', () => {
  const bad = (name: string) => ({
    code: 'BAD_RESOURCE_VALUE',
    message: `Illegal attribute or resource value Resource_List.${name}`,
  });

  it.each([
    [['foo=1'], { code: 'UNKNOWN_RESOURCE', message: 'Unknown resource Resource_List.foo' }],
    [
      ['walltime=1:00', 'procs=4'],
      { code: 'UNKNOWN_RESOURCE', message: 'Unknown resource Resource_List.procs' },
    ],
    [['walltime=abc'], bad('walltime')],
    [['mem=1.5gb'], bad('mem')],
    [['ncpus=-1'], bad('ncpus')],
    [['ncpus=x'], bad('ncpus')],
    [['ngpus=1.5'], bad('ngpus')],
    [['vmem=lots'], bad('vmem')],
    [['select=1:ncpus=x'], bad('select')],
    [['select=1:mem=1.5gb'], bad('select')],
    [['select=0:ncpus=1'], bad('select')],
    [['select=2'], bad('select')],
    [['select=1:ncpus'], bad('select')],
    [['select=1:ncpus=1:ncpus=2'], bad('select')],
    [['select=1:ncpus=1+'], bad('select')],
    [['select=1:ncpus=1', 'place=excl:shared'], bad('place')],
    [['select=1:ncpus=1', 'place=anywhere'], bad('place')],
    [['select=1:ncpus=1', 'place=:pack'], bad('place')],
    [['select=1:ncpus=1', 'place=pack:scatter'], bad('place')],
    [['nodes=0'], bad('nodes')],
    [['nodes=2:ppn=x'], bad('nodes')],
    [['nodes=2#nope'], bad('nodes')],
    [['nodes=2:ppn=2,ncpus=3'], bad('ncpus')],
    [
      ['nodes=2', 'select=1:ncpus=1'],
      { code: 'NODES_WITH_SELECT', message: 'Cannot be used with select or place: nodes' },
    ],
    [
      ['nodes=2', 'place=scatter'],
      { code: 'NODES_WITH_SELECT', message: 'Cannot be used with select or place: nodes' },
    ],
    [['place=pack'], { code: 'PLACE_WITHOUT_SELECT', message: 'Cannot have "place" without "select"' }],
  ])('%j', (values, error) => {
    expect(request(...values)).toEqual({ ok: false, error });
  });

  it.each([
    'ncpus=2',
    'mem=1gb',
    'ngpus=1',
    'mpiprocs=2',
    'ompthreads=2',
    'vmem=1gb',
  ])('refuses job-wide %s with select', (chunkWide) => {
    const name = chunkWide.split('=')[0];
    expect(request(chunkWide, 'select=1:ncpus=1')).toEqual({
      ok: false,
      error: {
        code: 'CHUNK_WITH_SELECT',
        message: `"-lresource=" cannot be used with "select" or "place", resource is: ${name}`,
      },
    });
  });

  it('allows walltime alongside select', () => {
    expect(request('walltime=1:00:00', 'select=1:ncpus=2').ok).toBe(true);
  });
});

describe('alterResources', () => {
  it('changes only walltime on a job-wide request', () => {
    const altered = alterResources(built('ncpus=4,mem=2gb'), [e('walltime', '2:00:00')]);
    expect(altered).toEqual({ ok: true, value: built('ncpus=4,mem=2gb,walltime=2:00:00') });
  });

  it('replaces the chunk of a job-wide request', () => {
    const altered = alterResources(built('ncpus=4,mem=2gb'), [e('ncpus', '8')]);
    expect(altered).toEqual({ ok: true, value: built('ncpus=8,mem=2gb') });
  });

  it('starts from the default job', () => {
    expect(alterResources(built(), [e('ncpus', '2')])).toEqual({ ok: true, value: built('ncpus=2') });
  });

  it('keeps a select request and its place when walltime changes', () => {
    const current = built('select=2:ncpus=4:mem=4gb', 'place=scatter', 'walltime=1:00:00');
    const altered = alterResources(current, [e('walltime', '3:00:00')]);
    expect(altered).toEqual({
      ok: true,
      value: built('select=2:ncpus=4:mem=4gb', 'place=scatter', 'walltime=3:00:00'),
    });
  });

  it('replaces a select', () => {
    const altered = alterResources(built('select=2:ncpus=4', 'walltime=1:00'), [e('select', '1:ncpus=1')]);
    expect(altered).toEqual({ ok: true, value: built('select=1:ncpus=1', 'walltime=1:00') });
  });

  it('turns a job-wide request into a select request', () => {
    const altered = alterResources(built('ncpus=4,walltime=10'), [e('select', '3:ncpus=2')]);
    expect(altered).toEqual({ ok: true, value: built('select=3:ncpus=2', 'walltime=10') });
  });

  it('accepts a place on a job-wide request, keeping its chunk', () => {
    const altered = alterResources(built('ncpus=4'), [e('place', 'excl')]);
    expect(altered).toEqual({ ok: true, value: built('select=1:ncpus=4', 'place=excl') });
  });

  it('replaces nodes', () => {
    const altered = alterResources(built('nodes=2:ppn=4'), [e('nodes', '1:ppn=2')]);
    expect(altered).toEqual({ ok: true, value: built('nodes=1:ppn=2') });
  });

  it('refuses a job-wide chunk resource on a select request', () => {
    const altered = alterResources(built('select=2:ncpus=4'), [e('ncpus', '4')]);
    expect(altered.ok).toBe(false);
    if (!altered.ok) expect(altered.error.code).toBe('CHUNK_WITH_SELECT');
  });

  it('refuses bad values', () => {
    const altered = alterResources(built(), [e('walltime', 'soon')]);
    expect(altered).toEqual({
      ok: false,
      error: {
        code: 'BAD_RESOURCE_VALUE',
        message: 'Illegal attribute or resource value Resource_List.walltime',
      },
    });
  });
});
