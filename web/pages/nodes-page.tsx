// The nodes: state with the reason a node is down or offline (its comment), what it uses, its
// jobs; operators and managers can take a node offline (with a reason) and bring it back.
import { useState } from 'preact/hooks';
import type { NodeRecord } from '../../core/record-types.js';
import { ApiError, act, getJson } from '../api.js';
import type { Session } from '../api-types.js';
import { formatBytes } from '../display-format.js';
import { NodeState } from '../parts/badges.js';
import { Loading, Problem } from '../parts/problem.js';
import { TimeView } from '../parts/time-view.js';
import { jobPath } from '../routes.js';
import { useLive } from '../use-live.js';

function NodeButtons({ node, onDone }: { node: NodeRecord; onDone: (msg: string) => void }) {
  const offline = node.state.split(',').includes('offline');
  const run = async () => {
    let body: unknown = { names: [node.name] };
    if (!offline) {
      const comment = window.prompt(`Why take ${node.name} offline? (shown as its comment)`, '');
      if (comment === null) return;
      body = comment ? { names: [node.name], comment } : body;
    }
    try {
      await act(offline ? '/v1/nodes/online' : '/v1/nodes/offline', body);
      onDone(`${node.name} is ${offline ? 'back online' : 'offline'}.`);
    } catch (e) {
      onDone(`${node.name}: ${e instanceof ApiError ? e.message : String(e)}`);
    }
  };
  return (
    <button type="button" onClick={run}>
      {offline ? 'Online' : 'Offline'}
      <span class="sr-only"> {node.name}</span>
    </button>
  );
}

function jobIds(node: NodeRecord): string[] {
  // `12.svr/0` per slot: each job once
  return [...new Set(node.jobs.map((j) => j.split('/')[0]!.trim()))];
}

export function NodesPage({ session }: { session: Session }) {
  const live = useLive(() => getJson<{ nodes: NodeRecord[] }>('/v1/nodes'), [], ['nodes', 'jobs']);
  const [message, setMessage] = useState('');
  const admin = session.role === 'operator' || session.role === 'manager';
  const nodes = live.data?.nodes;
  return (
    <>
      <h1>Nodes</h1>
      <output class="block">{message}</output>
      {live.error && <Problem error={live.error} />}
      {!nodes && !live.error && <Loading />}
      {nodes && (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">Nodes</caption>
            <thead>
              <tr>
                <th scope="col">Node</th>
                <th scope="col">State</th>
                <th scope="col">Reason</th>
                <th scope="col">CPUs used</th>
                <th scope="col">Memory used</th>
                <th scope="col">GPUs used</th>
                <th scope="col">Jobs</th>
                <th scope="col">Since</th>
                {admin && <th scope="col">Action</th>}
              </tr>
            </thead>
            <tbody>
              {nodes.map((n) => (
                <tr key={n.name}>
                  <th scope="row">{n.name}</th>
                  <td>
                    <NodeState state={n.state} />
                  </td>
                  <td>{n.comment ?? ''}</td>
                  <td class="num">
                    {n.assignedNcpus} / {n.ncpus}
                  </td>
                  <td class="num">
                    {formatBytes(n.assignedMem)} / {formatBytes(n.mem)}
                  </td>
                  <td class="num">{n.ngpus > 0 ? `${n.assignedNgpus} / ${n.ngpus}` : '—'}</td>
                  <td>
                    {jobIds(n).map((j) => (
                      <a key={j} class="job-link" href={jobPath(j)}>
                        {j}
                      </a>
                    ))}
                  </td>
                  <td>
                    <TimeView ms={n.lastStateChange ? n.lastStateChange * 1000 : null} />
                  </td>
                  {admin && (
                    <td>
                      <NodeButtons
                        node={n}
                        onDone={(m) => {
                          setMessage(m);
                          live.reload();
                        }}
                      />
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
