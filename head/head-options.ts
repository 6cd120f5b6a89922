// What `drover head` is started with (cli/drover.ts turns its flags into this).
export interface HeadOptions {
  home: string;
  local: boolean;
  listen?: string;
  /** serve the web view on its own HOST:PORT */
  webListen?: string;
  /** serve the web view on the --listen address too */
  web?: boolean;
  /** the URL browsers reach the web view at (behind a proxy) */
  webUrl?: string;
  serverName?: string;
  localNcpus?: number;
  localMem?: number;
  /** seconds between SIGTERM and SIGKILL when a job is killed */
  killDelay: number;
  /** seconds between usage reports of running jobs */
  usageInterval: number;
  /** Torque compatibility (kept in the database until changed) */
  torque?: boolean;
  /** seconds finished jobs stay visible as C in Torque mode */
  keepCompleted?: number;
  /** seconds between heartbeats to each agent (default 1) */
  heartbeat?: number;
  /** seconds of silence after which a node is down and its jobs are fenced (default 10) */
  nodeTimeout?: number;
  /** seconds an admin's fence command may take (default 60) */
  fenceTimeout?: number;
  /** how TCP requests prove who sends them (default munge; none: a non-root head's own user) */
  auth?: 'munge' | 'none';
  /** munged's socket on the head host */
  mungeSocket?: string;
  /** the group that may use head.sock (mode 0660); default every local user (0666) */
  socketGroup?: string;
  /** acl_roots to set at start (as `qmgr -c "set server acl_roots = …"` would) */
  aclRoots?: string[];
  /** `--metrics-listen HOST:PORT`: a listener with only GET /metrics; `token` from
   * `--metrics-token-file` (a scrape must send it as a bearer token) */
  metrics?: { listen: string; token?: string };
  /** job mail: the mailer (`--mail-command`, default /usr/sbin/sendmail) and the sender
   * (`--mail-from`, default adm) */
  mail?: { command: string; from: string };
  /** a standby head and a witness (head/ha/) */
  ha?: HaOptions;
}

/** A head with a standby and a witness (drover head --ha-listen …). */
export interface HaOptions {
  /** this head's HA address HOST:PORT (replication and heartbeats; its name for the witness) */
  listen: string;
  /** start as the standby of the head at HOST:PORT (else: primary if the witness agrees) */
  standbyOf?: string;
  witness: string;
  /** the cluster's HA key (a file only the head's user may read) */
  key: Buffer;
  /** acknowledge changes once the standby has them (default) or at once */
  sync: boolean;
  /** milliseconds between heartbeats (heads and witness) */
  heartbeatMs: number;
  /** the lease a grant gives (the witness's is its own --lease) */
  leaseMs: number;
  /** silence from the primary after which the standby asks the witness to take over */
  takeoverMs: number;
  /** how long a change waits for the standby before it is reported out of sync */
  syncTimeoutMs: number;
  /** a command run against the old primary after a takeover (a power switch), with its address */
  fenceCommand?: string[];
}
