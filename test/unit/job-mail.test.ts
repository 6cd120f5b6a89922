import { describe, expect, it } from 'vitest';
import type { JobEvent, JobRow } from '../../core/lifecycle/job-events.js';
import {
  endText,
  jobMailText,
  type MailNote,
  mailerArguments,
  mailNoteOf,
  mailRecipients,
  mailWanted,
  parseMailUsers,
} from '../../core/pbs/job-mail.js';

const usage = { cput: 3725, mem: 4_300_800, vmem: 8_601_600, walltime: 305, cpupercent: 99.6, ncpus: 2 };

const row = (more: Partial<JobRow> = {}): JobRow =>
  ({
    state: 'R',
    substate: 42,
    holdTypes: 'n',
    name: 'job',
    priority: 0,
    resources: { chunks: [], place: { arrangement: 'free' }, list: {} },
    qtime: 0,
    mtime: 0,
    attempt: 1,
    runCount: 1,
    node: 'n1',
    ...more,
  }) as JobRow;

const note = (event: JobEvent, before: Partial<JobRow> = {}, after: Partial<JobRow> = {}) =>
  mailNoteOf(event, row(before), row(after), 'alice@vm');

describe('the mail text', () => {
  it('is the headers, a blank line, then PBS Job Id, Job Name and the standard line', () => {
    const text = jobMailText({ id: '12.srv', name: 'foo', to: ['alice@vm'], note: { point: 'b' } });
    expect(text).toBe(
      'To: alice@vm\nSubject: PBS JOB 12.srv\n\nPBS Job Id: 12.srv\nJob Name:   foo\nBegun execution\n',
    );
  });

  it('ends with Exit_status and resources_used, as qstat -f prints them', () => {
    const text = jobMailText({
      id: '12.srv',
      name: 'foo',
      to: ['a@x', 'b'],
      note: { point: 'e', text: endText(0, usage) },
    });
    expect(text.split('\n')).toEqual([
      'To: a@x, b',
      'Subject: PBS JOB 12.srv',
      '',
      'PBS Job Id: 12.srv',
      'Job Name:   foo',
      'Execution terminated',
      'Exit_status=0',
      'resources_used.cpupercent=100',
      'resources_used.cput=01:02:05',
      'resources_used.mem=4200kb',
      'resources_used.ncpus=2',
      'resources_used.vmem=8400kb',
      'resources_used.walltime=00:05:05',
      '',
    ]);
  });

  it("aborts with PBS's line (its trailing space) and the reason; other mail has no standard line", () => {
    const abort = jobMailText({ id: '3.s', name: 'x', to: ['u'], note: { point: 'a', text: 'why' } });
    expect(abort.split('\n').slice(5)).toEqual(['Aborted by PBS Server ', 'why', '']);
    const other = jobMailText({ id: '3.s', name: 'x', to: ['u'], note: { point: 'o', text: 'qdel' } });
    expect(other.split('\n').slice(5)).toEqual(['qdel', '']);
  });

  it('runs the mailer as sendmail -f FROM RECIPIENT…', () => {
    expect(mailerArguments('adm', ['a@x', 'b'])).toEqual(['-f', 'adm', 'a@x', 'b']);
  });
});

describe('recipients', () => {
  it('takes user[@host] lists and refuses anything a mailer could read as more', () => {
    expect(parseMailUsers('alice@example.com,bob, carol@h-1.org')).toEqual([
      'alice@example.com',
      'bob',
      'carol@h-1.org',
    ]);
    for (const bad of ['-oQ/tmp', 'a b', 'a;b', '<a@b>', 'a@', '', 'a,,b', '"a"@b', 'a@-b', 'a\nb'])
      expect(parseMailUsers(bad), bad).toBeUndefined();
    expect(parseMailUsers(Array.from({ length: 33 }, (_, i) => `u${i}`).join(','))).toBeUndefined();
  });

  it('are Mail_Users, else the owner', () => {
    expect(mailRecipients(undefined, 'alice@vm')).toEqual(['alice@vm']);
    expect(mailRecipients('bob@x', 'alice@vm')).toEqual(['bob@x']);
    expect(mailRecipients('bob x', 'alice@vm')).toBeUndefined();
  });
});

describe('which events mail', () => {
  it('begins on the first started of an attempt only', () => {
    expect(note({ type: 'started', attempt: 1, sessionId: 9 })).toEqual({ point: 'b' });
    expect(note({ type: 'started', attempt: 1, sessionId: 9 }, { sessionId: 9 })).toBeUndefined();
  });

  it('ends an exit with its status and usage; a kill for a limit or a failed start aborts, forced', () => {
    expect(note({ type: 'exited', attempt: 1, status: 271 }, {}, { usage })).toEqual({
      point: 'e',
      text: endText(271, usage),
    });
    expect(note({ type: 'exited', attempt: 1, status: -29 })).toEqual({
      point: 'a',
      force: true,
      text: 'Job exceeded resource walltime\nSee job standard error file',
    });
    expect(note({ type: 'exited', attempt: 1, status: -1 })?.text).toBe(
      'Job cannot be executed\nSee Administrator for help',
    );
    expect(note({ type: 'exited', attempt: 1, status: -20 })?.text).toBe(
      'Job deleted, execution node n1 down',
    );
  });

  it("tells the owner of a qdel by someone else, not of her own; a dependency's deletion aborts", () => {
    const byRoot = { point: 'o', force: true, text: 'Job to be deleted at request of root@vm' };
    expect(note({ type: 'deleted', by: 'root@vm' })).toEqual(byRoot);
    expect(note({ type: 'delete_requested', by: 'root@vm' })).toEqual(byRoot);
    expect(note({ type: 'deleted', by: 'alice@other' })).toBeUndefined();
    expect(
      note({ type: 'deleted', by: 'Server', reason: 'Job deleted as result of dependency on job 1.s' }),
    ).toEqual({ point: 'a', text: 'Job deleted as result of dependency on job 1.s' });
  });

  it("mails an array's begin and, once it had begun, its end", () => {
    expect(note({ type: 'array_begun' })).toEqual({ point: 'b' });
    const ended = { type: 'array_ended' as const, status: 1, substate: 93 };
    expect(note(ended, { state: 'B' })).toEqual({ point: 'e', text: 'Exit_status=1' });
    expect(note(ended, { state: 'Q' })).toBeUndefined();
    expect(note({ type: 'held', types: 'u', by: 'alice@vm' })).toBeUndefined();
  });
});

describe('Mail_Points', () => {
  const b: MailNote = { point: 'b' };
  it('want the points they list; n none; a subjob only with j; forced mail always', () => {
    expect(mailWanted('abe', b, false)).toBe(true);
    expect(mailWanted('a', b, false)).toBe(false);
    expect(mailWanted('n', { point: 'a' }, false)).toBe(false);
    expect(mailWanted('abe', b, true)).toBe(false);
    expect(mailWanted('jb', b, true)).toBe(true);
    expect(mailWanted('n', { point: 'a', force: true }, true)).toBe(true);
    expect(mailWanted('abe', { point: 'o' }, false)).toBe(false);
  });
});
