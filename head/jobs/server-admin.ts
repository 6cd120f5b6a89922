// The server and its queues as qstat -B/-Q and qmgr see them, and what managers change of them.

import { ok, type Result, refuse } from '../../core/errors.js';
import { emptyCounts } from '../../core/lifecycle/states.js';
import { type Requester, requireRole } from '../../core/policy/permissions.js';
import {
  applyServerChanges,
  type ServerChanges,
  type ServerSettings,
} from '../../core/policy/server-settings.js';
import type { QueueChanges, QueueRecord, ServerRecord } from '../../core/record-types.js';
import { formatPreemptOrder, parsePreemptOrder } from '../../core/scheduling/preempt-order.js';
import { VERSION } from '../../platform/version.js';
import { JobOperands } from './job-operands.js';
import { changeQueue, createQueue, deleteQueue, setDefaultQueue } from './queue-admin.js';

export class ServerAdmin extends JobOperands {
  settings(): ServerSettings {
    return this.d.store.meta.settings();
  }

  /**
   * qmgr's `set server`/`unset server`: managers only, but for `scheduling`, which operators may
   * turn on and off too (PBS's attribute is NO_USER_SET: operators and managers write it); acl_roots
   * only by root on the head host (as PBS: it decides who may run jobs as root).
   */
  changeServer(changes: ServerChanges, who: Requester): Result<void> {
    const onlyScheduling = Object.keys(changes).every((k) => k === 'scheduling');
    const allowed = requireRole(who, onlyScheduling ? 'operator' : 'manager');
    if (!allowed.ok) return allowed;
    if (changes.aclRoots !== undefined && !(who.local && who.uid === 0))
      return refuse('READ_ONLY', 'Cannot set attribute, read only or insufficient permission acl_roots');
    const { defaultQueue, ...settings } = changes;
    if (typeof settings.preemptOrder === 'string') {
      const order = parsePreemptOrder(settings.preemptOrder);
      if (!order.ok) return order;
      settings.preemptOrder = formatPreemptOrder(order.value);
    }
    if (defaultQueue !== undefined) {
      const r = setDefaultQueue(this.d.store, defaultQueue);
      if (!r.ok) return r;
    }
    this.d.store.meta.setSettings(applyServerChanges(this.d.store.meta.settings(), settings));
    // scheduling turned on (or a limit raised) starts what may run now
    this.d.dispatcher.poke();
    return ok(undefined);
  }

  serverRecord(): ServerRecord {
    const counts = emptyCounts();
    for (const c of this.d.store.jobs.counts()) if (c.state !== 'F') counts[c.state] += c.n;
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const settings = this.d.store.meta.settings();
    return {
      name: this.d.server,
      defaultQueue: this.d.store.meta.get('default_queue') ?? 'workq',
      settings,
      version: VERSION,
      counts,
      total,
      // PBS's server_state while scheduling is False
      status: settings.scheduling ? 'Active' : 'Idle',
      now: Math.floor(this.now() / 1000),
    };
  }

  queueRecords(): QueueRecord[] {
    const rows = this.d.store.jobs.counts();
    return this.d.store.queues.all().map((q) => {
      const counts = emptyCounts();
      for (const c of rows) if (c.queue === q.name && c.state !== 'F') counts[c.state] += c.n;
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      return { ...q, type: 'Execution' as const, counts, total };
    });
  }

  createQueue(name: string, changes: QueueChanges, who: Requester): Result<void> {
    const allowed = requireRole(who, 'manager');
    return allowed.ok ? createQueue(this.d.store, name, changes) : allowed;
  }

  changeQueue(name: string, changes: QueueChanges, who: Requester): Result<void> {
    const allowed = requireRole(who, 'manager');
    if (!allowed.ok) return allowed;
    const r = changeQueue(this.d.store, name, changes);
    this.d.dispatcher.poke(); // a started queue or a raised limit may let jobs run
    return r;
  }

  deleteQueue(name: string, who: Requester): Result<void> {
    const allowed = requireRole(who, 'manager');
    return allowed.ok ? deleteQueue(this.d.store, name) : allowed;
  }

  setDefaultQueue(name: string, who: Requester): Result<void> {
    const allowed = requireRole(who, 'manager');
    return allowed.ok ? setDefaultQueue(this.d.store, name) : allowed;
  }
}
