// Who a job runs as: the submitting user's account when the agent runs as root (looked up through
// NSS, so directory-service users count), else the agent's own user.
import { userInfo } from 'node:os';
import { type Account, userByName } from '../native/native.js';

const me = userInfo();

export function jobAccount(user: string): Account | undefined {
  if (me.uid !== 0) {
    return { name: me.username, uid: me.uid, gid: me.gid, home: me.homedir, shell: me.shell ?? '/bin/sh' };
  }
  return userByName(user) ?? undefined;
}
