// One render farm: progress and ETA, its frames as a grid coloured (and marked) by state, the
// chosen frame's node, attempts, log and thumbnail, the finished frames' thumbnails, and the
// farm's actions.
import { useState } from 'preact/hooks';
import type { FarmStatus } from '../../core/farm/farm-status.js';
import { getJson } from '../api.js';
import type { Session } from '../api-types.js';
import { formatDuration } from '../display-format.js';
import { eventNames } from '../event-match.js';
import { FarmStateBadge } from '../parts/badges.js';
import { FarmActions } from '../parts/farm-actions.js';
import { FrameDetail } from '../parts/frame-detail.js';
import { FrameGrid } from '../parts/frame-grid.js';
import { Loading, Problem } from '../parts/problem.js';
import { TimeView } from '../parts/time-view.js';
import { useLive } from '../use-live.js';
import { frameCount } from './farms-page.js';

/** how many finished frames show a thumbnail at once */
const THUMBS = 48;

function Thumbnails({ farm }: { farm: FarmStatus }) {
  // only frames the head has a thumbnail of; one that fails to load is not asked for again
  const [missing, setMissing] = useState<ReadonlySet<string>>(new Set());
  const url = (f: { frame: number; thumbnail?: number }) =>
    `/v1/farms/${encodeURIComponent(farm.id)}/frames/${f.frame}/thumbnail?attempt=${f.thumbnail}`;
  const done = farm.frames
    .filter((f) => f.state === 'done' && f.thumbnail !== undefined && !missing.has(url(f)))
    .slice(-THUMBS);
  if (done.length === 0) return <p class="muted">No thumbnails of finished frames.</p>;
  return (
    <ul class="thumbs">
      {done.map((f) => (
        <li key={f.frame}>
          <img
            loading="lazy"
            src={url(f)}
            alt={`Frame ${f.frame}`}
            width={160}
            height={90}
            onError={() => setMissing((m) => new Set([...m, url(f)]))}
          />
          <span>{f.frame}</span>
        </li>
      ))}
    </ul>
  );
}

function Summary({ farm }: { farm: FarmStatus }) {
  const c = farm.counts;
  return (
    <>
      <p>
        <FarmStateBadge state={farm.state} /> <strong>{farm.name}</strong> by {farm.owner}: {frameCount(farm)}{' '}
        frames in {farm.tasks} tasks of {farm.chunk}.
      </p>
      <p>
        <progress max={100} value={farm.percent} aria-label="Progress" /> {farm.percent.toFixed(1)} %
        {farm.eta !== undefined && <> — about {formatDuration(farm.eta)} to go</>}
        {farm.started !== undefined && (
          <>
            {' '}
            — started <TimeView ms={farm.started * 1000} />
          </>
        )}
      </p>
      <p>
        {c.done} done, {c.running} running, {c.queued} queued, {c.failed} failed.
        {farm.message && <> Waiting: {farm.message}</>}
      </p>
      {farm.blocklist.length > 0 && <p>Blocklisted nodes: {farm.blocklist.join(', ')}</p>}
      {farm.post && (
        <p>
          Post job: {farm.post.id} {farm.post.state}
          {farm.post.exitStatus !== undefined && <> exit {farm.post.exitStatus}</>}
        </p>
      )}
    </>
  );
}

export function FarmPage({ id, session }: { id: string; session: Session }) {
  const live = useLive(
    () => getJson<FarmStatus>(`/v1/farms/${encodeURIComponent(id)}`),
    [id],
    ['farms', 'jobs'],
    (_name, data) => eventNames(data, id),
  );
  const [chosen, setChosen] = useState<number | undefined>(undefined);
  const farm = live.data;
  const frame = farm?.frames.find((f) => f.frame === chosen);
  return (
    <>
      <h1>Farm {farm?.id ?? id}</h1>
      {live.error && <Problem error={live.error} />}
      {!farm && !live.error && <Loading />}
      {farm && (
        <>
          <Summary farm={farm} />
          <FarmActions farm={farm} session={session} onDone={live.reload} />
          <section aria-labelledby="farm-frames">
            <h2 id="farm-frames">Frames</h2>
            <FrameGrid frames={farm.frames} chosen={chosen} onChoose={setChosen} />
            {frame && <FrameDetail farm={farm} frame={frame} session={session} onDone={live.reload} />}
          </section>
          <section aria-labelledby="farm-thumbs">
            <h2 id="farm-thumbs">Finished frames</h2>
            <Thumbnails farm={farm} />
          </section>
        </>
      )}
    </>
  );
}
