// Retry the failed frames, pause, resume, kill: for the farm's owner, operators and managers
// (the head checks again). Kill asks first.
import { useState } from 'preact/hooks';
import type { FarmStatus } from '../../core/farm/farm-status.js';
import { ApiError, postJson } from '../api.js';
import type { Session } from '../api-types.js';
import { ownerName } from '../record-rows.js';

export function FarmActions(p: { farm: FarmStatus; session: Session; onDone: () => void }) {
  const { farm } = p;
  const [message, setMessage] = useState('');
  if (p.session.role === 'user' && ownerName(farm.owner) !== p.session.user) return null;
  const finished = farm.state === 'done' || farm.state === 'failed';
  const run = async (what: string, path: string, body: unknown) => {
    if (what === 'Kill' && !window.confirm(`Kill farm ${farm.id}? Its frames stop rendering.`)) return;
    try {
      await postJson(`/v1/farms/${encodeURIComponent(farm.id)}/${path}`, body);
      setMessage(`${what}: done.`);
      p.onDone();
    } catch (e) {
      setMessage(`${what} refused: ${e instanceof ApiError ? e.message : String(e)}`);
    }
  };
  return (
    <div class="actions">
      {farm.counts.failed > 0 && (
        <button type="button" onClick={() => run('Retry failed frames', 'retry', { failed: true })}>
          Retry failed frames
        </button>
      )}
      {!finished && farm.state !== 'paused' && (
        <button type="button" onClick={() => run('Pause', 'pause', {})}>
          Pause
        </button>
      )}
      {farm.state === 'paused' && (
        <button type="button" onClick={() => run('Resume', 'resume', {})}>
          Resume
        </button>
      )}
      {!finished && (
        <button type="button" class="danger" onClick={() => run('Kill', 'kill', {})}>
          Kill
        </button>
      )}
      <output>{message}</output>
    </div>
  );
}
