// What `drover service list|status` and `drover broker list` are told by the head: a service with
// every instance job (up or not) and its load at each broker, and the brokers heard from lately.
import type { BrokerReport, ServiceLoad, ServiceView } from '../protocol/service-view.js';

/** One instance of a service: its job, and its address once it answers. */
export interface InstanceStatus {
  /** `NAME.K` */
  id: string;
  instance: number;
  jobId: string;
  /** the job's state letter (Q, R, E, …) */
  state: string;
  attempt: number;
  node?: string;
  /** `host:port` while the instance answers */
  address?: string;
}

export interface ServiceStatus extends Omit<ServiceView, 'instances'> {
  state: 'running' | 'stopping';
  zoneSpread?: boolean;
  instances: InstanceStatus[];
  /** instances that answer now */
  up: number;
  /** the service's load at each broker heard from lately */
  brokers: ({ broker: string } & ServiceLoad)[];
}

/** A broker as the head last heard from it. */
export interface BrokerStatus extends BrokerReport {
  /** when its last report came (epoch ms) */
  at: number;
}
