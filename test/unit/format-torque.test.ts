// Torque compatibility formats: which finished jobs stay visible as C, and the XML of qstat -x.
import { describe, expect, it } from 'vitest';
import { formatTorqueXml, torqueView } from '../../cli/format/torque.js';
import { makeJob } from '../helpers/records.js';

describe('torqueView', () => {
  it('keeps unfinished jobs, shows jobs finished within keep_completed as C and drops older ones', () => {
    const now = 10_000;
    const jobs = [
      makeJob({ id: '1.s', state: 'R' }),
      makeJob({ id: '2.s', state: 'F', obittime: now - 100 }),
      makeJob({ id: '3.s', state: 'F', obittime: now - 301 }),
    ];
    expect(torqueView(jobs, now, 300).map((j) => [j.id, j.state])).toEqual([
      ['1.s', 'R'],
      ['2.s', 'C'],
    ]);
  });
});

describe('formatTorqueXml', () => {
  it('nests dotted attributes, escapes text and names exit_status in lowercase', () => {
    const job = makeJob({ id: '7.s', state: 'F', exitStatus: 0, name: 'a<b' });
    const xml = formatTorqueXml(torqueView([{ ...job, obittime: 1 }], 1, 10));
    expect(xml).toMatch(/^<Data><Job><Job_Id>7\.s<\/Job_Id><Job_Name>a&lt;b<\/Job_Name>/);
    expect(xml).toContain('<job_state>C</job_state>');
    expect(xml).toContain('<exit_status>0</exit_status>');
    expect(xml).toMatch(/<Resource_List><ncpus>1<\/ncpus>/);
    expect(xml.endsWith('</Job></Data>\n')).toBe(true);
  });
});
