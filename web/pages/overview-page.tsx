// The overview: nodes by state and what they use, jobs by state and queue, the queues, the
// scheduler's last pass and the last hour's throughput.
import { getJson } from '../api.js';
import type { Overview } from '../api-types.js';
import { formatBytes, percent } from '../display-format.js';
import { filtersToQuery } from '../job-filters.js';
import { JobState, NodeState } from '../parts/badges.js';
import { Loading, Problem } from '../parts/problem.js';
import { ThroughputChart } from '../parts/throughput-chart.js';
import { TimeView } from '../parts/time-view.js';
import { BASE } from '../routes.js';
import { useLive } from '../use-live.js';

function Use({ label, used, total, bytes }: { label: string; used: number; total: number; bytes?: boolean }) {
  const show = (n: number) => (bytes ? formatBytes(n) : String(n));
  return (
    <div class="use">
      <span class="use-label">{label}</span>
      <meter min={0} max={Math.max(total, 1)} value={used} aria-label={`${label} in use`} />
      <span>
        {show(used)} / {show(total)} ({percent(used, total)} %)
      </span>
    </div>
  );
}

function Counts({ counts, kind }: { counts: Record<string, number>; kind: 'node' | 'job' }) {
  const entries = Object.entries(counts);
  if (entries.length === 0) return <p class="muted">None.</p>;
  return (
    <ul class="counts">
      {entries.map(([state, n]) => (
        <li key={state}>
          {kind === 'job' ? (
            <a href={`${BASE}/jobs${filtersToQuery({ state })}`}>
              <JobState state={state} /> <strong>{n}</strong>
            </a>
          ) : (
            <>
              <NodeState state={state} /> <strong>{n}</strong>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

function Queues({ o }: { o: Overview }) {
  return (
    <div class="table-wrap">
      <table aria-labelledby="ov-queues">
        <thead>
          <tr>
            <th scope="col">Queue</th>
            <th scope="col" class="num">
              Queued
            </th>
            <th scope="col" class="num">
              Running
            </th>
            <th scope="col">Enabled</th>
            <th scope="col">Started</th>
          </tr>
        </thead>
        <tbody>
          {o.queues.map((q) => (
            <tr key={q.name}>
              <th scope="row">
                <a href={`${BASE}/jobs${filtersToQuery({ queue: q.name })}`}>{q.name}</a>
              </th>
              <td class="num">{q.queued}</td>
              <td class="num">{q.running}</td>
              <td>{q.enabled ? 'yes' : 'no'}</td>
              <td>{q.started ? 'yes' : 'no'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function OverviewPage() {
  const live = useLive(() => getJson<Overview>('/v1/web/overview'), [], ['jobs', 'nodes', 'scheduler']);
  const o = live.data;
  return (
    <>
      <h1>Overview{o ? ` of ${o.server}` : ''}</h1>
      {live.error && <Problem error={live.error} />}
      {!o && !live.error && <Loading />}
      {o && (
        <div class="cards">
          <section class="card" aria-labelledby="ov-nodes">
            <h2 id="ov-nodes">Nodes</h2>
            <Counts counts={o.nodes.byState} kind="node" />
            <Use label="CPUs" used={o.nodes.cpus.used} total={o.nodes.cpus.total} />
            <Use label="Memory" used={o.nodes.memBytes.used} total={o.nodes.memBytes.total} bytes />
            {o.nodes.gpus.total > 0 && (
              <Use label="GPUs" used={o.nodes.gpus.used} total={o.nodes.gpus.total} />
            )}
          </section>
          <section class="card" aria-labelledby="ov-jobs">
            <h2 id="ov-jobs">Jobs</h2>
            <Counts counts={o.jobs.byState} kind="job" />
            <h3>Scheduler</h3>
            <p>
              Last pass: <TimeView ms={o.scheduler.lastPassAt} now={o.now} />
              {o.scheduler.durationMs !== undefined && <>, {o.scheduler.durationMs} ms</>}
              {o.scheduler.placed !== undefined && <>, {o.scheduler.placed} jobs started</>}
            </p>
          </section>
          <section class="card wide" aria-labelledby="ov-tp">
            <h2 id="ov-tp">Throughput</h2>
            <ThroughputChart points={o.throughput} />
          </section>
          <section class="card wide" aria-labelledby="ov-queues">
            <h2 id="ov-queues">Queues</h2>
            <Queues o={o} />
          </section>
        </div>
      )}
    </>
  );
}
