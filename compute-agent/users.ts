// Who a job runs as: the passwd entry of the submitting user when the agent runs as root,
// else the agent's own user. /etc/passwd is read again only when it changes.
import { readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { type Account, parsePasswd } from '../core/passwd.js';

export type { Account };

const PASSWD = '/etc/passwd';
const me = userInfo();
let cached: { mtimeMs: number; size: number; text: string } | undefined;

function passwdText(): string {
  const st = statSync(PASSWD);
  if (cached?.mtimeMs !== st.mtimeMs || cached.size !== st.size) {
    cached = { mtimeMs: st.mtimeMs, size: st.size, text: readFileSync(PASSWD, 'utf8') };
  }
  return cached.text;
}

export function jobAccount(user: string): Account | undefined {
  if (me.uid !== 0) {
    return { name: me.username, uid: me.uid, gid: me.gid, home: me.homedir, shell: me.shell ?? '/bin/sh' };
  }
  return parsePasswd(passwdText(), user);
}
