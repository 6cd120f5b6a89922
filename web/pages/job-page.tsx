// One job: its actions (as `may` allows), its live output while it runs, its history as a
// timeline, its checkpoints and every attribute as `qstat -f` shows them.
import { getJson } from '../api.js';
import type { JobDetail, Session } from '../api-types.js';
import { formatBytes } from '../display-format.js';
import { eventNames } from '../event-match.js';
import { JobState } from '../parts/badges.js';
import { JobActions } from '../parts/job-actions.js';
import { JobOutput } from '../parts/job-output.js';
import { Loading, Problem } from '../parts/problem.js';
import { TimeView } from '../parts/time-view.js';
import { recordRows } from '../record-rows.js';
import { useLive } from '../use-live.js';

function Timeline({ d }: { d: JobDetail }) {
  if (d.trace.length === 0) return <p class="muted">No history yet.</p>;
  return (
    <ol class="timeline">
      {d.trace.map((t, i) => (
        <li key={`${t.at}-${i}`}>
          <TimeView ms={t.at} /> <strong>{t.type}</strong>
          {t.source ? ` (${t.source})` : ''}: {t.text}
        </li>
      ))}
    </ol>
  );
}

function Checkpoints({ d }: { d: JobDetail }) {
  if (d.checkpoints.length === 0) return <p class="muted">No checkpoints.</p>;
  return (
    <div class="table-wrap">
      <table aria-labelledby="job-ckpt">
        <thead>
          <tr>
            <th scope="col">Taken</th>
            <th scope="col">Size</th>
            <th scope="col">Attempt</th>
          </tr>
        </thead>
        <tbody>
          {d.checkpoints.map((c) => (
            <tr key={c.at}>
              <td>
                <TimeView ms={c.at} />
              </td>
              <td class="num">{formatBytes(c.bytes)}</td>
              <td class="num">{c.attempt}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Attributes({ d }: { d: JobDetail }) {
  return (
    <div class="table-wrap">
      <table class="attributes" aria-labelledby="job-attrs">
        <tbody>
          {recordRows(d.job).map((r) => (
            <tr key={r.name}>
              <th scope="row">{r.name}</th>
              <td>{r.time !== undefined ? <TimeView ms={r.time} /> : r.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function JobPage({ id, session }: { id: string; session: Session }) {
  const live = useLive(
    () => getJson<JobDetail>(`/v1/web/jobs/${encodeURIComponent(id)}`),
    [id],
    ['jobs'],
    (_name, data) => eventNames(data, id),
  );
  const d = live.data;
  return (
    <>
      <h1>
        Job {d?.job.id ?? id} {d && <JobState state={d.job.state} />}
      </h1>
      {live.error && <Problem error={live.error} />}
      {!d && !live.error && <Loading />}
      {d && (
        <>
          <p>
            <strong>{d.job.name}</strong> by {d.job.owner} in queue {d.job.queue}
            {d.job.comment ? <> — {d.job.comment}</> : null}
          </p>
          <JobActions id={d.job.id} may={d.may} session={session} onDone={live.reload} />
          <section aria-labelledby="job-out">
            <h2 id="job-out">Output</h2>
            <JobOutput id={d.job.id} state={d.job.state} />
          </section>
          <section aria-labelledby="job-history">
            <h2 id="job-history">History</h2>
            <Timeline d={d} />
          </section>
          <section aria-labelledby="job-ckpt">
            <h2 id="job-ckpt">Checkpoints</h2>
            <Checkpoints d={d} />
          </section>
          <section aria-labelledby="job-attrs">
            <h2 id="job-attrs">Attributes</h2>
            <Attributes d={d} />
          </section>
        </>
      )}
    </>
  );
}
