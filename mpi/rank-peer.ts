// A rank this one talks to, in its universe's numbering: where it listens, the connection this
// rank opened to it, frames waiting for its address, and why it was lost, if it was.
import type { Link, ListenAddress } from './transport.js';

export class Peer {
  /** the connection this rank sends to the peer over */
  link?: Link;
  /** the first connection the peer opened to this rank */
  inbound?: Link;
  address?: ListenAddress;
  lost?: string;
  /** frames waiting for the peer's address (another universe's ranks are looked up lazily) */
  backlog?: { frame: Buffer[]; done: () => void; fail: (e: Error) => void }[];
  constructor(
    readonly universe: string,
    readonly rank: number,
  ) {}
}
