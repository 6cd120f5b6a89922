// One persistent SSH connection per node (the only module that imports ssh2). Key
// authentication; the host key must match the one pinned in known_hosts, or, on first contact
// when the caller allows it, is learned (trust on first use). Over the connection, `exec` of
// `drover agent --ensure` starts the node's agent daemon if needed, and a forwarded stream
// (direct-streamlocal) reaches its socket; where the sshd forbids that, `drover agent --connect`
// relays the channel instead.
import type { Duplex } from 'node:stream';
import { Client } from 'ssh2';
import { shellCommand } from '../../core/shell-words.js';
import { fingerprint, type HostKey, type KnownHosts, keyType } from './known-hosts.js';
import type { Transport } from './node-link.js';
import { type SshCredential, sshCredential } from './ssh-key.js';

export interface SshTarget {
  name: string;
  host: string;
  port: number;
  user: string;
  /** private key file */
  identity: string;
}

export class HostKeyError extends Error {}

export class SshSession implements Transport {
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  /** a host key seen on first contact, when learning is allowed */
  learned: HostKey | undefined;

  constructor(
    private readonly target: SshTarget,
    private readonly knownHosts: KnownHosts,
    /** argv of the agent on the node (`drover agent --state-dir …`) */
    private readonly agent: string[],
    private readonly allowLearning = false,
  ) {}

  describe(): string {
    return `${this.target.user}@${this.target.host}:${this.target.port}`;
  }

  private verify(raw: Buffer): boolean {
    const seen = { type: keyType(raw), data: raw.toString('base64') };
    const pinned = this.knownHosts.lookup(this.target.host, this.target.port);
    if (pinned.length === 0 && this.allowLearning) {
      this.learned = seen;
      return true;
    }
    if (pinned.some((k) => k.type === seen.type && k.data === seen.data)) return true;
    this.refusal =
      pinned.length === 0
        ? `no pinned host key for ${this.describe()} (add the node again, or give --host-key)`
        : `host key of ${this.describe()} changed (now ${fingerprint(seen)}); refusing to connect until the key in known_hosts is replaced`;
    return false;
  }

  private refusal: string | undefined;

  connect(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    if (this.connecting) return this.connecting;
    this.refusal = undefined;
    this.connecting = new Promise<Client>((resolve, reject) => {
      const client = new Client();
      client.once('ready', () => {
        this.client = client;
        this.connecting = undefined;
        resolve(client);
      });
      client.once('error', (e) => {
        this.connecting = undefined;
        reject(this.refusal ? new HostKeyError(this.refusal) : e);
      });
      client.once('close', () => {
        if (this.client === client) this.client = undefined;
      });
      let credential: SshCredential;
      try {
        credential = sshCredential(this.target.identity);
      } catch (e) {
        this.connecting = undefined;
        reject(e);
        return;
      }
      client.connect({
        host: this.target.host,
        port: this.target.port,
        username: this.target.user,
        ...credential,
        hostVerifier: (key: Buffer) => this.verify(key),
        readyTimeout: 10_000,
        keepaliveInterval: 5_000,
        keepaliveCountMax: 3,
      });
    });
    return this.connecting;
  }

  /** Run a command (argv, each word quoted for the remote shell); resolves with its stdout. */
  async run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const client = await this.connect();
    return new Promise((resolve, reject) => {
      client.exec(shellCommand(argv), (err, stream) => {
        if (err) return reject(err);
        let stdout = '';
        let stderr = '';
        stream.on('data', (d: Buffer) => {
          stdout += d.toString();
        });
        stream.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
        });
        stream.on('close', (code: number | null) => resolve({ code: code ?? 255, stdout, stderr }));
      });
    });
  }

  /** A stream to the node's agent: forwarded to its socket, or through the relay. */
  async open(): Promise<Duplex> {
    const client = await this.connect();
    const ensured = await this.run([...this.agent, '--ensure']);
    if (ensured.code !== 0) {
      const said = (ensured.stderr.trim().split('\n').pop() ?? '').slice(0, 200);
      throw new Error(
        `agent dead: the host answers over SSH but its agent does not start (exit ${ensured.code}${said ? `: ${said}` : ''})`,
      );
    }
    const socket = /^ready (\/.*)$/m.exec(ensured.stdout)?.[1];
    if (ensured.code === 0 && socket) {
      const forwarded = await new Promise<Duplex | undefined>((resolve) => {
        client.openssh_forwardOutStreamLocal(socket, (err, stream) => resolve(err ? undefined : stream));
      });
      if (forwarded) return forwarded;
    }
    return new Promise((resolve, reject) => {
      client.exec(shellCommand([...this.agent, '--connect']), (err, stream) =>
        err ? reject(err) : resolve(stream),
      );
    });
  }

  close(): void {
    this.client?.end();
    this.client = undefined;
  }
}
