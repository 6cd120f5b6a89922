// The mail PBS's server sends about a job (as OpenPBS's server mails): which event makes one, whether
// the job's Mail_Points (`-m`) want it, who gets it (`-M`, else the owner), and its text as the
// mailer reads it on its standard input: `To:`, `Subject: PBS JOB <id>`, then `PBS Job Id:`,
// `Job Name:`, the standard line of its kind and the event's own text.
import type { JobEvent, JobRow } from '../lifecycle/job-events.js';
import { EXIT } from '../lifecycle/states.js';
import type { ResourceUsage } from '../record-types.js';
import { resourcesUsed } from './resources-used.js';

/** PBS's mailer and sender when the head is given none (its SENDMAIL_CMD and mail_from). */
export const DEFAULT_MAILER = '/usr/sbin/sendmail';
export const DEFAULT_MAIL_FROM = 'adm';

/** a abort, b begin, e end; o other (a job deleted by someone else than its owner) */
export type MailPoint = 'a' | 'b' | 'e' | 'o';

/** One mail a job's event calls for. `force`: sent whatever Mail_Points says (PBS's MAIL_FORCE). */
export interface MailNote {
  point: MailPoint;
  force?: boolean;
  /** the lines after the standard one */
  text?: string;
}

/** PBS's standard line of each kind (the abort line ends with a space, as PBS's does). */
const STANDARD: Partial<Record<MailPoint, string>> = {
  a: 'Aborted by PBS Server ',
  b: 'Begun execution',
  e: 'Execution terminated',
};

/** What the MoM's kill of a job for a limit says (exit statuses −24 … −29). */
const LIMIT_KILLS: Record<number, string> = {
  [-24]: 'Job exceeded resource ncpus (burst)',
  [-25]: 'Job exceeded resource ncpus (sum)',
  [-26]: 'Job exceeded resource vmem',
  [EXIT.mem]: 'Job exceeded resource mem',
  [EXIT.cput]: 'Job exceeded resource cput',
  [EXIT.walltime]: 'Job exceeded resource walltime',
};
const SEE_STDERR = 'See job standard error file';
const NOT_EXECUTED = 'Job cannot be executed\nSee Administrator for help';

/** At most this many recipients, and this many characters of them (PBS's mail address buffer). */
export const MAX_MAIL_USERS = 32;
const MAX_MAIL_LIST = 1024;
/** `user[@host]`: no spaces, quotes, brackets or leading `-` (the mailer gets each as an argument). */
const ADDRESS = /^[A-Za-z0-9_][A-Za-z0-9._%+=-]*(@[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)?$/;

/** `-M user[@host][,user[@host]…]` as a list of addresses, or undefined when one is not one. */
export function parseMailUsers(list: string): string[] | undefined {
  if (list.length > MAX_MAIL_LIST) return undefined;
  const users = list.split(',').map((u) => u.trim());
  if (users.length > MAX_MAIL_USERS || !users.every((u) => ADDRESS.test(u))) return undefined;
  return users;
}

/** Who gets a job's mail: its Mail_Users, else its owner (`user@submit-host`); undefined: none valid. */
export function mailRecipients(mailUsers: string | undefined, owner: string): string[] | undefined {
  if (mailUsers !== undefined && mailUsers !== '') return parseMailUsers(mailUsers);
  return ADDRESS.test(owner) ? [owner] : undefined;
}

/** Whether a job's Mail_Points want this mail: a subjob's only with `j`; a forced one always. */
export function mailWanted(points: string, note: MailNote, subjob: boolean): boolean {
  if (note.force) return true;
  if (subjob && !points.includes('j')) return false;
  return note.point !== 'o' && points.includes(note.point);
}

/** `Exit_status=N`, then the run's resources_used, one per line (the end mail's text). */
export function endText(status: number, usage?: ResourceUsage): string {
  const used = usage ? resourcesUsed(usage).map(([name, value]) => `${name}=${value}`) : [];
  return [`Exit_status=${status}`, ...used].join('\n');
}

/** The mail an attempt's exit calls for: a kill for a limit, a start that failed or a lost node
 * abort the job (forced, as PBS's obit does); any other exit ends it. */
function exitNote(status: number, after: JobRow, node: string | undefined): MailNote {
  const kill = LIMIT_KILLS[status];
  if (kill) return { point: 'a', force: true, text: `${kill}\n${SEE_STDERR}` };
  if (status === EXIT.startFailed) return { point: 'a', force: true, text: NOT_EXECUTED };
  if (status === EXIT.nodeLost)
    return { point: 'a', force: true, text: `Job deleted, execution node ${node ?? 'unknown'} down` };
  return { point: 'e', text: endText(status, after.usage) };
}

/** qdel by anyone but the owner tells the owner (forced); the owner's own qdel sends nothing. */
function deletedBy(by: string, owner: string): MailNote | undefined {
  if (by.split('@')[0] === owner.split('@')[0]) return undefined;
  return { point: 'o', force: true, text: `Job to be deleted at request of ${by}` };
}

/** The mail an event of a job calls for (before: its row before the event, after: after it). */
export function mailNoteOf(
  event: JobEvent,
  before: JobRow,
  after: JobRow,
  owner: string,
): MailNote | undefined {
  switch (event.type) {
    case 'started':
      // an agent that reports the start again (after the head restarted) is not a new start
      return before.sessionId === undefined ? { point: 'b' } : undefined;
    case 'array_begun':
      return { point: 'b' };
    case 'exited':
      return exitNote(event.status, after, before.node);
    case 'array_ended':
      return before.state === 'B' && event.status !== undefined
        ? { point: 'e', text: `Exit_status=${event.status}` }
        : undefined;
    case 'failed':
      return { point: 'a', text: event.reason };
    case 'deleted':
      return event.reason ? { point: 'a', text: event.reason } : deletedBy(event.by, owner);
    case 'delete_requested':
      return deletedBy(event.by, owner);
    default:
      return undefined;
  }
}

/** The whole mail as the mailer reads it: headers, a blank line, the body; each line ends in \n. */
export function jobMailText(m: { id: string; name: string; to: string[]; note: MailNote }): string {
  const lines = [`To: ${m.to.join(', ')}`, `Subject: PBS JOB ${m.id}`, '', `PBS Job Id: ${m.id}`];
  lines.push(`Job Name:   ${m.name}`);
  const standard = STANDARD[m.note.point];
  if (standard !== undefined) lines.push(standard);
  if (m.note.text !== undefined) lines.push(m.note.text);
  return `${lines.join('\n')}\n`;
}

/** The mailer's arguments: the sender, then each recipient (as PBS runs sendmail, without -t). */
export function mailerArguments(from: string, to: string[]): string[] {
  return ['-f', from, ...to];
}
