// What the collective algorithms (mpi/collectives/) need from a communicator: its rank and size,
// and point-to-point messages on the communicator's private collective context, so that
// collective traffic never matches a user's receive. The communicator (mpi/) provides it over the
// real transports; the unit tests over memory.

/** A message's payload: typed arrays and Buffers travel as bytes without copying. */
export type Payload = ArrayBufferView;

export interface Channel {
  readonly rank: number;
  readonly size: number;
  /** Send `data` to `dest` under `tag`; resolves once `data` may be reused. */
  send(dest: number, tag: number, data: Payload): Promise<void>;
  /**
   * The next message from `source` under `tag` (collectives never use wildcards), as bytes. With
   * `into`, a channel may place a message that fits there and return a view of `into`'s first
   * bytes (no allocation); callers must still accept bytes elsewhere.
   */
  recv(source: number, tag: number, into?: Uint8Array): Promise<Uint8Array>;
}
