// A moment in the viewer's time zone: the date and time, and how long ago (or in how long).
import { formatAbsolute, formatRelative } from '../display-format.js';

export function TimeView({ ms, now = Date.now() }: { ms: number | null | undefined; now?: number }) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return <span class="muted">—</span>;
  return (
    <time dateTime={new Date(ms).toISOString()}>
      {formatAbsolute(ms)} <span class="muted">({formatRelative(ms, now)})</span>
    </time>
  );
}
