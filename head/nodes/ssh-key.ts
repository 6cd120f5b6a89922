// The head's SSH credentials for its nodes. A private key file is read only when it is the head
// user's own and nobody else can read it, as OpenSSH refuses an "UNPROTECTED PRIVATE KEY FILE"; a
// node added without a key file uses the head's ssh-agent (SSH_AUTH_SOCK) when it has one.
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';

/** How ssh2 authenticates to a node: a key file's content, or the agent's socket. */
export type SshCredential = { privateKey: Buffer } | { agent: string };

export function readPrivateKey(path: string): Buffer {
  const fd = openSync(path, constants.O_RDONLY);
  try {
    const st = fstatSync(fd);
    const me = userInfo();
    if (!st.isFile()) throw new Error(`private key ${path} is not a regular file`);
    if (st.uid !== me.uid)
      throw new Error(
        `private key ${path} belongs to uid ${st.uid}, not to ${me.username} (the head's user)`,
      );
    if ((st.mode & 0o077) !== 0)
      throw new Error(
        `permissions 0${(st.mode & 0o777).toString(8)} for private key ${path} are too open: others may not read it (chmod 600)`,
      );
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The credential for a node's `identity`: its key file, or (none given) the head's ssh-agent. */
export function sshCredential(identity: string): SshCredential {
  if (identity !== '') return { privateKey: readPrivateKey(identity) };
  const agent = process.env.SSH_AUTH_SOCK;
  if (!agent) throw new Error('no --identity for this node and the head has no ssh-agent (SSH_AUTH_SOCK)');
  return { agent };
}
