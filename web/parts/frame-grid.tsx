// A farm's frames, one cell per frame, coloured by state and marked as `render-farm status` marks
// them (. queued, > running, # done, X failed). The grid is one tab stop: the arrow keys, Home and
// End move between frames, Enter or a click shows the frame's details.
import type { FarmFrame } from '../../core/farm/farm-status.js';
import { FRAME_MARKS } from '../state-names.js';

function move(grid: HTMLElement, from: number, key: string): number | undefined {
  const cells = [...grid.querySelectorAll<HTMLButtonElement>('button')];
  if (cells.length === 0) return undefined;
  const first = cells[0]!;
  const perRow = Math.max(1, Math.round(grid.clientWidth / Math.max(first.offsetWidth, 1)));
  const steps: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: perRow, ArrowUp: -perRow };
  let to: number;
  if (key === 'Home') to = 0;
  else if (key === 'End') to = cells.length - 1;
  else if (steps[key] !== undefined) to = Math.min(cells.length - 1, Math.max(0, from + steps[key]!));
  else return undefined;
  cells[to]?.focus();
  return to;
}

export function FrameGrid(p: {
  frames: FarmFrame[];
  chosen: number | undefined;
  onChoose: (f: number) => void;
}) {
  const at = Math.max(
    0,
    p.frames.findIndex((f) => f.frame === p.chosen),
  );
  const onKey = (e: KeyboardEvent) => {
    const grid = e.currentTarget as HTMLElement;
    const from = [...grid.querySelectorAll('button')].indexOf(document.activeElement as HTMLButtonElement);
    const to = move(grid, Math.max(from, 0), e.key);
    if (to === undefined) return;
    e.preventDefault();
    p.onChoose(p.frames[to]!.frame);
  };
  return (
    <>
      <ul class="legend" aria-label="Frame states">
        {Object.entries(FRAME_MARKS).map(([state, mark]) => (
          <li key={state}>
            <span class={`frame frame-${state}`} aria-hidden="true">
              {mark}
            </span>{' '}
            {state}
          </li>
        ))}
      </ul>
      <fieldset class="frame-grid" onKeyDown={onKey}>
        <legend class="sr-only">Frames</legend>
        {p.frames.map((f, i) => (
          <button
            key={f.frame}
            type="button"
            class={`frame frame-${f.state}`}
            tabIndex={i === at ? 0 : -1}
            aria-pressed={f.frame === p.chosen}
            aria-label={`Frame ${f.frame}: ${f.state}${f.state === 'running' ? ` ${Math.round(f.percent)} %` : ''}`}
            onClick={() => p.onChoose(f.frame)}
          >
            {FRAME_MARKS[f.state] ?? '?'}
          </button>
        ))}
      </fieldset>
    </>
  );
}
