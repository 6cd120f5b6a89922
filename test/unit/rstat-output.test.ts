// pbs_rstat's forms, as OpenPBS's pbs_rstat prints them.
import { describe, expect, it } from 'vitest';
import {
  formatBrief,
  formatFull,
  formatShort,
  fullTime,
  SHORT_HEADER,
  shortTime,
} from '../../cli/format/rstat-output.js';
import type { ReservationRecord } from '../../core/reservation-record.js';

function local(year: number, month: number, day: number, hour: number, minute: number, second = 0): number {
  return Math.floor(new Date(year, month - 1, day, hour, minute, second).getTime() / 1000);
}

// Wednesday 2024-06-12, 10:00
const NOW = local(2024, 6, 12, 10, 0);

const record: ReservationRecord = {
  id: 'R12.server',
  name: 'NULL',
  owner: 'alice@login1',
  state: 2,
  substate: 2,
  start: local(2024, 6, 12, 14, 30),
  end: local(2024, 6, 12, 15, 30),
  duration: 3600,
  queue: 'R12',
  resources: { ncpus: '2', nodect: '1', place: 'free', select: '1:ncpus=2', walltime: '01:00:00' },
  resvNodes: '(n1:ncpus=2)',
  authorizedUsers: ['alice@login1'],
  server: 'server',
  ctime: local(2024, 6, 12, 9, 5, 7),
  mtime: local(2024, 6, 12, 9, 5, 8),
};

describe('shortTime (convert_time)', () => {
  it.each([
    [local(2024, 6, 12, 14, 30), 'Today 14:30'],
    [local(2024, 6, 15, 9, 5), 'Sat 09:05'],
    [local(2024, 6, 9, 23, 0), 'Sun 23:00'],
    [local(2024, 6, 16, 8, 0), 'Sun Jun 16 08:00'],
    [local(2024, 7, 1, 8, 0), 'Mon Jul 01 08:00'],
    [local(2025, 1, 2, 8, 0), 'Thu Jan 02 2025 08:00'],
  ])('%i → %s', (t, expected) => {
    expect(shortTime(t, NOW)).toBe(expected);
  });
});

describe('pbs_rstat', () => {
  it('-B prints the ids', () => {
    expect(formatBrief([record])).toBe('Resv ID: R12.server\n');
  });

  it('-S prints the header and one line each', () => {
    expect(SHORT_HEADER).toBe(
      'Resv ID    Queue    User     State             Start / Duration / End              \n' +
        `${'-'.repeat(69)}\n`,
    );
    expect(formatShort([record], NOW)).toBe(
      'R12.server R12      alice@lo CO          Today 14:30 / 3600 / Today 15:30      \n',
    );
  });

  it('-f prints the attributes in PBS order', () => {
    expect(fullTime(record.ctime)).toBe('Wed Jun 12 09:05:07 2024');
    expect(formatFull([{ ...record, schedselect: '1:ncpus=2', mailPoints: 'ae' }])).toBe(
      [
        'Resv ID: R12.server',
        'Reserve_Name = NULL',
        'Reserve_Owner = alice@login1',
        'reserve_state = RESV_CONFIRMED',
        'reserve_substate = 2',
        'reserve_start = Wed Jun 12 14:30:00 2024',
        'reserve_end = Wed Jun 12 15:30:00 2024',
        'reserve_duration = 3600',
        'queue = R12',
        'Resource_List.ncpus = 2',
        'Resource_List.nodect = 1',
        'Resource_List.place = free',
        'Resource_List.select = 1:ncpus=2',
        'Resource_List.walltime = 01:00:00',
        'schedselect = 1:ncpus=2',
        'resv_nodes = (n1:ncpus=2)',
        'Authorized_Users = alice@login1',
        'server = server',
        'ctime = Wed Jun 12 09:05:07 2024',
        'Mail_Points = ae',
        'mtime = Wed Jun 12 09:05:08 2024',
        '',
        '',
      ].join('\n'),
    );
  });
});
