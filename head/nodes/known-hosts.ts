// Pinned SSH host keys in $DROVER_HOME/known_hosts, in OpenSSH's format
// (`[host]:port key-type base64`), so an admin can read and edit it with the usual tools.
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';

export interface HostKey {
  type: string;
  /** base64 of the key in SSH wire format */
  data: string;
}

export function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** The key type named at the start of an SSH wire-format key. */
export function keyType(raw: Buffer): string {
  const len = raw.readUInt32BE(0);
  return raw.subarray(4, 4 + len).toString('ascii');
}

export function fingerprint(key: HostKey): string {
  return `SHA256:${createHash('sha256').update(Buffer.from(key.data, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/** `ssh-ed25519 AAAA…` (as in a .pub file or a known_hosts line without the host). */
export function parseHostKey(text: string): HostKey | undefined {
  const [type, data] = text.trim().split(/\s+/);
  if (!type || !data || !/^[A-Za-z0-9+/]+=*$/.test(data)) return undefined;
  const raw = Buffer.from(data, 'base64');
  if (raw.length < 8 || keyType(raw) !== type) return undefined;
  return { type, data };
}

export class KnownHosts {
  /** `changed`: told the file after a key is added (a standby mirrors it) */
  constructor(
    private readonly file: string,
    private readonly changed: (path: string) => void = () => undefined,
  ) {}

  private entries(): { pattern: string; key: HostKey }[] {
    if (!existsSync(this.file)) return [];
    return readFileSync(this.file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith('#'))
      .flatMap((l) => {
        const [patterns, ...rest] = l.trim().split(/\s+/);
        const key = parseHostKey(rest.join(' '));
        return key && patterns ? patterns.split(',').map((pattern) => ({ pattern, key })) : [];
      });
  }

  lookup(host: string, port: number): HostKey[] {
    const pattern = hostPattern(host, port);
    return this.entries()
      .filter((e) => e.pattern === pattern)
      .map((e) => e.key);
  }

  add(host: string, port: number, key: HostKey): void {
    appendFileSync(this.file, `${hostPattern(host, port)} ${key.type} ${key.data}\n`, { mode: 0o600 });
    this.changed(this.file);
  }
}
