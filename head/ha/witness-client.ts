// A head's side of the witness protocol (core/protocol/ha-witness.ts): one TCP connection per
// request, one signed line each way (core/ha/signed-lines.ts). A reply that does not come in time,
// does not carry the key's MAC bound to this very request, or is not a witness reply counts as no
// reply: `request` resolves undefined and never throws, so a head's timers can call it blindly.
import { connect } from 'node:net';
import { LineSplitter, openLine, signLine } from '../../core/ha/signed-lines.js';
import {
  parseWitnessReply,
  splitHaAddress,
  type WitnessReply,
  type WitnessRequest,
} from '../../core/protocol/ha-witness.js';

export class WitnessClient {
  private readonly host: string;
  private readonly port: number;
  /** why the last request got no reply (undefined after a reply) */
  lastProblem: string | undefined;

  /** `address` is the witness's HOST:PORT; `key` the shared secret (head/ha/ha-key.ts). */
  constructor(
    readonly address: string,
    private readonly key: Buffer,
  ) {
    const at = splitHaAddress(address);
    this.host = at.host;
    this.port = at.port;
  }

  /** Send `msg`; the witness's reply, or undefined on timeout, no connection or a bad reply. */
  request(msg: WitnessRequest, timeoutMs: number): Promise<WitnessReply | undefined> {
    return new Promise((resolve) => {
      const sent = signLine(this.key, msg, Date.now());
      const lines = new LineSplitter();
      const sock = connect({ host: this.host, port: this.port, noDelay: true });
      let done = false;
      const finish = (reply: WitnessReply | undefined, problem?: string) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        sock.destroy();
        this.lastProblem = problem;
        resolve(reply);
      };
      const timer = setTimeout(() => finish(undefined, `no reply within ${timeoutMs} ms`), timeoutMs);
      sock.on('error', (e) => finish(undefined, e.message));
      sock.on('close', () => finish(undefined, 'connection closed without a reply'));
      sock.on('data', (chunk: Buffer) => {
        const got = lines.push(chunk);
        if (got === undefined) return finish(undefined, 'reply too long');
        if (got.length === 0) return;
        const opened = openLine(this.key, got[0]!, Date.now(), sent.mac);
        if (!opened.ok) return finish(undefined, `reply refused: ${opened.reason}`);
        const reply = parseWitnessReply(opened.message);
        finish(reply, reply ? undefined : 'not a witness reply');
      });
      sock.write(sent.line);
    });
  }
}
