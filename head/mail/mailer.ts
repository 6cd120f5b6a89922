// Sending a job's mail: the host's sendmail (or the head's --mail-command) run without a shell,
// as PBS's server runs it (`sendmail -f FROM RECIPIENT…`, the mail on its standard input). A few
// run at once and the rest wait in a bounded queue, so that neither the event loop nor the
// scheduler ever waits for a mailer; a mailer that is missing, fails or hangs costs a log line.
import { spawn } from 'node:child_process';
import type { Logger } from 'pino';
import { DEFAULT_MAIL_FROM, DEFAULT_MAILER, mailerArguments } from '../../core/pbs/job-mail.js';

export interface MailSettings {
  /** the mailer's path (`--mail-command`) */
  command: string;
  /** the sender (`--mail-from`), PBS's mail_from */
  from: string;
}

/** PBS's defaults: the host's sendmail, from `adm`. */
export const DEFAULT_MAIL: MailSettings = { command: DEFAULT_MAILER, from: DEFAULT_MAIL_FROM };

export interface Mail {
  /** the job it is about (for the log) */
  job: string;
  to: string[];
  /** headers and body, as the mailer reads them */
  text: string;
}

export interface MailerLimits {
  /** mailers running at once */
  concurrency: number;
  /** mails waiting for a mailer; more are dropped (and logged) */
  queued: number;
  /** a mailer still running after this is killed */
  timeoutMs: number;
}

const LIMITS: MailerLimits = { concurrency: 4, queued: 1000, timeoutMs: 60_000 };

export class Mailer {
  private readonly queue: Mail[] = [];
  private running = 0;

  constructor(
    private readonly settings: MailSettings,
    private readonly log: Logger,
    private readonly limits: MailerLimits = LIMITS,
  ) {}

  /** Queue a mail; it leaves when a mailer is free. Never throws, never waits. */
  send(mail: Mail): void {
    if (this.queue.length >= this.limits.queued) {
      this.notSent(mail, `${this.limits.queued} mails already wait for the mailer`);
      return;
    }
    this.queue.push(mail);
    this.next();
  }

  /** A job whose Mail_Users holds no valid address (qalter checks none) gets no mail. */
  unaddressed(job: string, mailUsers: string | undefined): void {
    this.log.warn({ job, mailUsers }, 'mail not sent: no valid recipient (Mail_Users, else the owner)');
  }

  private next(): void {
    while (this.running < this.limits.concurrency && this.queue.length > 0) {
      const mail = this.queue.shift()!;
      this.running++;
      void this.deliver(mail).then((problem) => {
        this.running--;
        if (problem) this.notSent(mail, problem);
        else this.log.debug({ job: mail.job, to: mail.to }, 'mail sent');
        this.next();
      });
    }
  }

  private notSent(mail: Mail, problem: string): void {
    this.log.warn({ job: mail.job, to: mail.to, mailer: this.settings.command }, `mail not sent: ${problem}`);
  }

  /** Run the mailer once; undefined when it took the mail, else what went wrong. */
  private deliver(mail: Mail): Promise<string | undefined> {
    const { command, from } = this.settings;
    return new Promise((resolve) => {
      let settled = false;
      const settle = (problem: string | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(problem);
      };
      const child = spawn(command, mailerArguments(from, mail.to), { stdio: ['pipe', 'ignore', 'pipe'] });
      const timer = setTimeout(() => child.kill('SIGKILL'), this.limits.timeoutMs);
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-500);
      });
      // a mailer that exits without reading the mail closes the pipe: its exit says why
      child.stdin.on('error', () => undefined);
      child.stdin.end(mail.text);
      child.on('error', (e) => settle(`cannot run ${command}: ${e.message}`));
      child.on('close', (code, signal) => {
        const said = stderr.trim().split('\n').pop();
        if (code === 0) settle(undefined);
        else if (signal === 'SIGKILL') settle(`${command} killed after ${this.limits.timeoutMs / 1000} s`);
        else settle(`${command} exited with ${code ?? signal}${said ? `: ${said}` : ''}`);
      });
    });
  }
}
