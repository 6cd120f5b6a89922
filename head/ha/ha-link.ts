// One connection between two heads (replication and heartbeats): frames both ways
// (head/ha/ha-frames.ts) after a handshake in which each side proves it holds the cluster's HA key
// (an HMAC of the other side's random challenge), so that neither a stranger's standby nor a
// stranger's primary can join.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { encodeFrame, FrameDecoder, type PrimaryFrame, type StandbyFrame } from './ha-frames.js';

type Role = 'primary' | 'standby';

type Handshake = { t: 'challenge'; nonce: Buffer } | { t: 'proof'; mac: Buffer };

function proof(key: Buffer, nonce: Buffer, role: Role): Buffer {
  return createHmac('sha256', key).update('drover-ha\0').update(role).update(nonce).digest();
}

/** Frames from the peer as 'frame' events once the handshake is done; 'close' once. */
export class HaLink<
  In extends PrimaryFrame | StandbyFrame,
  Out extends PrimaryFrame | StandbyFrame,
> extends EventEmitter {
  private readonly decoder = new FrameDecoder<In | Handshake>();
  private readonly nonce = randomBytes(32);
  private trusted = false;
  closed = false;

  constructor(
    readonly socket: Socket,
    private readonly key: Buffer,
    private readonly role: Role,
  ) {
    super();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.data(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.emit('close');
    });
    this.write({ t: 'challenge', nonce: this.nonce });
  }

  send(frame: Out): boolean {
    if (this.closed || !this.trusted) return false;
    return this.socket.write(encodeFrame(frame));
  }

  /** Send frames already encoded (the primary's kept batches). */
  sendEncoded(frame: Buffer): boolean {
    if (this.closed || !this.trusted) return false;
    return this.socket.write(frame);
  }

  close(): void {
    this.socket.destroy();
  }

  private write(frame: Handshake): void {
    this.socket.write(encodeFrame(frame as unknown as PrimaryFrame));
  }

  private data(chunk: Buffer): void {
    let frames: (In | Handshake)[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      this.emit('bad', (e as Error).message);
      this.close();
      return;
    }
    for (const f of frames) {
      if (this.closed) return;
      if (this.trusted) this.emit('frame', f as In);
      else this.handshake(f as Handshake);
    }
  }

  private handshake(f: Handshake): void {
    const peer: Role = this.role === 'primary' ? 'standby' : 'primary';
    if (f.t === 'challenge' && Buffer.isBuffer(f.nonce) && f.nonce.length === 32) {
      this.write({ t: 'proof', mac: proof(this.key, f.nonce, this.role) });
    } else if (f.t === 'proof' && Buffer.isBuffer(f.mac) && f.mac.length === 32) {
      if (!timingSafeEqual(f.mac, proof(this.key, this.nonce, peer))) {
        this.emit('bad', 'wrong HA key');
        this.close();
        return;
      }
      this.trusted = true;
      this.emit('trusted');
    } else {
      this.emit('bad', 'unexpected frame before the handshake');
      this.close();
    }
  }
}
