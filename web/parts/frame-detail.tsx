// One frame of a farm: where and how often it rendered, its log (the farm log route), its
// thumbnail once done, and a button to render it again.
import { useEffect, useState } from 'preact/hooks';
import type { FarmFrame, FarmStatus } from '../../core/farm/farm-status.js';
import { ApiError, getJson, postJson } from '../api.js';
import type { Session } from '../api-types.js';
import { ownerName } from '../record-rows.js';

export function FrameDetail(p: { farm: FarmStatus; frame: FarmFrame; session: Session; onDone: () => void }) {
  const { farm, frame } = p;
  const [log, setLog] = useState<string | undefined>(undefined);
  const [message, setMessage] = useState('');
  const [noThumb, setNoThumb] = useState(false);
  const base = `/v1/farms/${encodeURIComponent(farm.id)}`;
  useEffect(() => {
    setLog(undefined);
    setMessage('');
    setNoThumb(false);
  }, [frame.frame]);
  const showLog = async () => {
    try {
      const r = await getJson<{ task: number; attempt: number; text: string }>(
        `${base}/log?frame=${frame.frame}`,
      );
      setLog(`task ${r.task}, attempt ${r.attempt}\n${r.text}`);
    } catch (e) {
      setLog(e instanceof ApiError ? e.message : String(e));
    }
  };
  const retry = async () => {
    try {
      await postJson(`${base}/retry`, { frames: [frame.frame] });
      setMessage(`Frame ${frame.frame} will render again.`);
      p.onDone();
    } catch (e) {
      setMessage(e instanceof ApiError ? e.message : String(e));
    }
  };
  const mayChange = p.session.role !== 'user' || ownerName(farm.owner) === p.session.user;
  return (
    <div class="frame-detail" aria-live="polite">
      <h3>Frame {frame.frame}</h3>
      <p>
        {frame.state}
        {frame.state === 'running' && ` (${Math.round(frame.percent)} %)`}, task {frame.task}, node{' '}
        {frame.node ?? '—'}, {frame.attempts} attempt{frame.attempts === 1 ? '' : 's'}
      </p>
      <div class="actions">
        <button type="button" onClick={showLog}>
          Show log
        </button>
        {mayChange && frame.state !== 'queued' && frame.state !== 'running' && (
          <button type="button" onClick={retry}>
            Render again
          </button>
        )}
        <output>{message}</output>
      </div>
      {frame.state === 'done' && frame.thumbnail !== undefined && !noThumb && (
        <img
          loading="lazy"
          class="thumb-big"
          src={`${base}/frames/${frame.frame}/thumbnail?attempt=${frame.thumbnail}`}
          alt={`Frame ${frame.frame}`}
          onError={() => setNoThumb(true)}
        />
      )}
      {log !== undefined && <pre class="output">{log}</pre>}
    </div>
  );
}
