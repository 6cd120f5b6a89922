// Who a job runs as: the passwd entry of the submitting user when the agent runs as root,
// else the agent's own user.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { type Account, parsePasswd } from '../core/passwd.js';

export type { Account };

export function jobAccount(user: string): Account | undefined {
  const me = userInfo();
  if (me.uid !== 0) {
    return { name: me.username, uid: me.uid, gid: me.gid, home: me.homedir, shell: me.shell ?? '/bin/sh' };
  }
  return parsePasswd(readFileSync('/etc/passwd', 'utf8'), user);
}
