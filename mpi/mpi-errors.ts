// The errors a rank program sees from the message layer, each naming what went wrong.

/** A message longer than the receive buffer: `status` still reports the message's real size. */
export class TruncationError extends Error {
  override readonly name = 'TruncationError';
  constructor(
    readonly status: { source: number; tag: number; count: number; bytes: number },
    readonly capacity: number,
  ) {
    super(
      `message truncated: ${status.bytes} bytes from rank ${status.source} (tag ${status.tag}) ` +
        `do not fit the ${capacity}-byte receive buffer`,
    );
  }
}

/** A rank this call involves ended (exited, crashed, was killed, or its node was lost). */
export class PeerLostError extends Error {
  override readonly name = 'PeerLostError';
  constructor(
    /** the lost rank, in its own universe's numbering (COMM_WORLD rank for the caller's run) */
    readonly rank: number,
    readonly reason: string,
    readonly universe?: string,
  ) {
    super(`rank ${rank}${universe ? ` of universe ${universe}` : ''} was lost: ${reason}`);
  }
}

/** A call the library refuses (bad arguments, a freed communicator, a call after finalize). */
export class MpiUsageError extends Error {
  override readonly name = 'MpiUsageError';
}
