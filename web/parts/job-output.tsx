// The live tail of a running job's standard output: fetched from the last offset when the job
// page opens and again on each `jobs` event naming the job (never on a timer), and appended.
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, getJson } from '../api.js';
import type { OutputChunk } from '../api-types.js';
import { coalesce } from '../coalesce.js';
import { eventNames } from '../event-match.js';
import { onEvent } from '../live-events.js';
import { REFETCH_MS } from '../use-live.js';

/** what the page keeps of a long output */
const KEEP = 256 * 1024;

export function JobOutput({ id, state }: { id: string; state: string }) {
  const [text, setText] = useState('');
  const [note, setNote] = useState('');
  const next = useRef(0);
  const pre = useRef<HTMLPreElement>(null);
  const active = state === 'R' || state === 'E';
  useEffect(() => {
    next.current = 0;
    setText('');
    setNote('');
    let live = true;
    let fetching = false;
    let again = false;
    const pull = async () => {
      if (fetching) {
        again = true;
        return;
      }
      fetching = true;
      try {
        const r = await getJson<OutputChunk>(
          `/v1/jobs/${encodeURIComponent(id)}/output?from=${next.current}`,
        );
        if (!live) return;
        next.current = r.next;
        if (r.text) setText((t) => (t + r.text).slice(-KEEP));
        setNote(r.running ? '' : 'The job is not running: its output is in its output file.');
      } catch (e) {
        if (!live) return;
        const missing = e instanceof ApiError && e.status === 404 && e.code !== 'UNKNOWN_JOB';
        setNote(
          missing ? 'This head does not show live output.' : e instanceof ApiError ? e.message : String(e),
        );
      } finally {
        fetching = false;
        if (again && live) {
          again = false;
          pull();
        }
      }
    };
    pull();
    const c = coalesce(pull, REFETCH_MS);
    const off = onEvent((name, data) => {
      if (name === 'hello' || (name === 'jobs' && eventNames(data, id))) c.trigger();
    });
    return () => {
      live = false;
      off();
      c.cancel();
    };
  }, [id]);
  useEffect(() => {
    const el = pre.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [text]);
  return (
    <>
      {text ? (
        <pre class="output" ref={pre} aria-live={active ? 'polite' : 'off'}>
          {text}
        </pre>
      ) : (
        <p class="muted">{active ? 'No output yet.' : 'No output shown here.'}</p>
      )}
      {note && <p class="muted">{note}</p>}
    </>
  );
}
