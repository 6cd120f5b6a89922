// pbsnodes: the nodes as records, taking nodes offline and back, and their comments.
import type { ErrorCode, Refusal } from '../../core/errors.js';
import { type Requester, requireRole } from '../../core/policy/permissions.js';
import type { NodeRecord } from '../../core/record-types.js';
import { JobOperands } from './job-operands.js';

export class NodeOperations extends JobOperands {
  nodeRecords(): NodeRecord[] {
    return this.d.cluster.records();
  }

  /** pbsnodes -o/-r (operators and managers; -C with them sets the comment too). */
  setOffline(
    names: string[],
    offline: boolean,
    comment: string | undefined,
    who: Requester,
  ): { name: string; error?: { code: ErrorCode; message: string } }[] {
    const allowed = requireRole(who, 'operator');
    const results = names.map((name) => {
      if (!allowed.ok) return { name, error: allowed.error };
      if (!this.d.store.nodes.get(name))
        return { name, error: { code: 'UNKNOWN_NODE' as const, message: `Unknown node ${name}` } };
      this.d.store.nodes.setOffline(name, offline, comment, this.now());
      if (offline) this.migrateFrom(name);
      return { name };
    });
    this.d.dispatcher.poke();
    return results;
  }

  /** pbsnodes -C without -o/-r: a node's comment, for managers. */
  setComment(names: string[], comment: string, who: Requester): { name: string; error?: Refusal }[] {
    const allowed = requireRole(who, 'manager');
    return names.map((name) => {
      if (!allowed.ok) return { name, error: allowed.error };
      if (!this.d.store.nodes.get(name))
        return { name, error: { code: 'UNKNOWN_NODE' as const, message: `Unknown node ${name}` } };
      this.d.store.nodes.setComment(name, comment);
      return { name };
    });
  }

  /**
   * A node taken offline is a planned stop for the checkpointable jobs it runs: each is told to
   * checkpoint, then stopped and queued again, to resume elsewhere. Other jobs run on (PBS).
   */
  private migrateFrom(node: string): void {
    for (const job of this.d.store.jobs.onNode(node)) {
      if (!job.row.rerunRequestedBy && job.spec.rerunable)
        this.checkpointAndStop(job, `node ${node} offline`);
    }
  }
}
