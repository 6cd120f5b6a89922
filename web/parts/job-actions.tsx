// Hold, release, delete and rerun, each shown only when the head says this viewer may; each posts
// to the job routes with the CSRF token. Delete asks first.
import { useState } from 'preact/hooks';
import { ApiError, act } from '../api.js';
import type { JobDetail, Session } from '../api-types.js';

type Action = keyof JobDetail['may'];

const ACTIONS: { key: Action; label: string; path: string; body: (id: string) => unknown }[] = [
  { key: 'hold', label: 'Hold', path: '/v1/jobs/hold', body: (id) => ({ operands: [id], types: 'u' }) },
  {
    key: 'release',
    label: 'Release',
    path: '/v1/jobs/release',
    body: (id) => ({ operands: [id], types: 'u' }),
  },
  { key: 'rerun', label: 'Rerun', path: '/v1/jobs/rerun', body: (id) => ({ operands: [id] }) },
  { key: 'delete', label: 'Delete', path: '/v1/jobs/delete', body: (id) => ({ operands: [id] }) },
];

export function JobActions(p: { id: string; may: JobDetail['may']; session: Session; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState('');
  const shown = ACTIONS.filter((a) => p.may[a.key]);
  if (shown.length === 0) return null;
  const run = async (a: (typeof ACTIONS)[number]) => {
    if (a.key === 'delete' && !window.confirm(`Delete job ${p.id}?`)) return;
    setBusy(true);
    setMessage('');
    try {
      await act(a.path, a.body(p.id));
      setMessage(`${a.label}: done.`);
      p.onDone();
    } catch (e) {
      setMessage(`${a.label} refused: ${e instanceof ApiError ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="actions">
      {shown.map((a) => (
        <button
          key={a.key}
          type="button"
          class={a.key === 'delete' ? 'danger' : ''}
          disabled={busy}
          onClick={() => run(a)}
        >
          {a.label}
        </button>
      ))}
      <output>{message}</output>
    </div>
  );
}
