// Job mail as a lifecycle feature (head/jobs/lifecycle-hooks.ts): a submission's -M list is
// checked; after each transition the mail it calls for (core/pbs/job-mail.ts) is composed and, once
// the transaction has committed, handed to the mailer (head/mail/mailer.ts). A subjob follows its
// array's Mail_Points and Mail_Users; a service's instances, which the head runs itself, send none.
import { ok, refuse } from '../../core/errors.js';
import {
  jobMailText,
  mailNoteOf,
  mailRecipients,
  mailWanted,
  parseMailUsers,
} from '../../core/pbs/job-mail.js';
import type { JobHooks } from '../jobs/lifecycle-hooks.js';
import type { Mail } from './mailer.js';

export interface MailDeps {
  send(mail: Mail): void;
  /** a mail with no valid recipient (a qalter'ed -M): logged */
  unaddressed(job: string, mailUsers: string | undefined): void;
}

export function mailFeature(deps: MailDeps): JobHooks {
  return {
    name: 'mail',
    plan(_store, spec) {
      if (spec.mailUsers === undefined || parseMailUsers(spec.mailUsers)) return ok(undefined);
      return refuse('USAGE', 'illegal -M value');
    },
    transitioned(store, job, event, row) {
      if (job.spec.service) return;
      const note = mailNoteOf(event, job.row, row, job.owner);
      if (!note) return;
      const parent = job.arrayParent !== undefined ? store.jobs.get(job.arrayParent) : undefined;
      const spec = parent?.spec ?? job.spec;
      if (!mailWanted(spec.mailPoints, note, job.kind === 'subjob')) return;
      const to = mailRecipients(spec.mailUsers, job.owner);
      if (!to) {
        store.afterCommit(() => deps.unaddressed(job.id, spec.mailUsers));
        return;
      }
      const text = jobMailText({ id: job.id, name: row.name, to, note });
      store.afterCommit(() => deps.send({ job: job.id, to, text }));
    },
  };
}
