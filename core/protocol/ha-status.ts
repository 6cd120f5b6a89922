// What a head of a pair says of itself (`GET /v1/ha/status`, `drover ha status`).

/** What `drover ha status` shows of one head. */
export interface HaStatus {
  role: 'primary' | 'standby' | 'candidate';
  /** this head's HA address */
  me: string;
  epoch: number;
  /** the primary's HA address, as far as this head knows */
  primary: string | null;
  /** the primary's API address (for clients redirected by a standby) */
  primaryApi: string | null;
  /** on a primary: its standby, the batches it lacks, whether the primary waits for it */
  standby: { from: string; connected: boolean; lag: number; inSync: boolean } | null;
  sync: boolean;
  /** milliseconds since the last heartbeat from the other head (null: none yet) */
  lastHeartbeatMs: number | null;
  /** milliseconds since the witness last granted or renewed the lease (null: never) */
  witnessMs: number | null;
  /** this head holds a majority lease (itself and the witness or the standby) */
  quorum: boolean;
}
