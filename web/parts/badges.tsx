// State badges: a colour, and always the state's letter or word in text as well.
import { JOB_STATES, nodeTone } from '../state-names.js';

export function JobState({ state }: { state: string }) {
  return (
    <span class={`badge job-${/^[A-Z]$/.test(state) ? state : 'other'}`} title={JOB_STATES[state] ?? state}>
      <span aria-hidden="true">{state}</span>
      <span class="badge-word">{JOB_STATES[state] ?? state}</span>
    </span>
  );
}

export function NodeState({ state }: { state: string }) {
  return <span class={`badge node-${nodeTone(state)}`}>{state}</span>;
}

/** A farm's state (queued, running, paused, done, failed). */
export function FarmStateBadge({ state }: { state: string }) {
  return <span class={`badge farm-${state}`}>{state}</span>;
}
