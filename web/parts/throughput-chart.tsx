// Jobs ended per minute over the last hour: 60 bars in an inline SVG, with a text summary for
// screen readers and a tooltip per bar.
import { formatAbsolute } from '../display-format.js';

const W = 600;
const H = 120;

export function ThroughputChart({ points }: { points: { at: number; ended: number }[] }) {
  const total = points.reduce((n, p) => n + p.ended, 0);
  const most = Math.max(0, ...points.map((p) => p.ended));
  const peak = Math.max(1, most);
  const bar = W / Math.max(points.length, 1);
  const summary = `${total} jobs ended in the last hour, at most ${most} in a minute`;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary} preserveAspectRatio="none">
        <line x1="0" y1={H - 0.5} x2={W} y2={H - 0.5} class="axis" />
        {points.map((p, i) => {
          const h = (p.ended / peak) * (H - 4);
          return (
            <rect key={p.at} x={i * bar + 1} y={H - h} width={Math.max(bar - 2, 1)} height={h} class="bar">
              <title>{`${formatAbsolute(p.at)}: ${p.ended} ended`}</title>
            </rect>
          );
        })}
      </svg>
      <div class="ticks" aria-hidden="true">
        <span>60 min ago</span>
        <span>peak {most}/min</span>
        <span>now</span>
      </div>
      <figcaption>{summary}</figcaption>
    </figure>
  );
}
