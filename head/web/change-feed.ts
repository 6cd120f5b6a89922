// What changed in the head, pushed to the web view's pages (server-sent events): jobs written,
// nodes up or down, farm progress, services, the head pair, scheduling passes. Changes are
// coalesced: a burst of a thousand job writes is one event a quarter of a second later.

/** One server-sent event: its name and its JSON data. */
export interface FeedEvent {
  name: 'jobs' | 'nodes' | 'farms' | 'services' | 'ha' | 'scheduler';
  data: Record<string, unknown>;
}

type Topic = FeedEvent['name'];
export type FeedListener = (events: FeedEvent[]) => void;

/** More changed jobs than this in one event are sent as `{ all: true }`. */
const MAX_IDS = 500;

export class ChangeFeed {
  private seqs = new Set<number>();
  private topics = new Map<Topic, Record<string, unknown>>();
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<FeedListener>();

  constructor(
    /** the ids and owners of written jobs, by seq */
    private readonly idsOf: (seqs: number[]) => { id: string; owner: string }[],
    private readonly delayMs = 250,
  ) {}

  /** A job was written (committed or not: a page that looks again finds what is stored). */
  job(seq: number): void {
    this.seqs.add(seq);
    this.soon();
  }

  /** Something else changed; the last data given for a topic in a burst is sent. */
  mark(topic: Exclude<Topic, 'jobs'>, data: Record<string, unknown> = {}): void {
    this.topics.set(topic, data);
    this.soon();
  }

  subscribe(listener: FeedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.listeners.clear();
  }

  private soon(): void {
    if (this.timer || this.listeners.size === 0) {
      if (this.listeners.size === 0) this.clear();
      return;
    }
    this.timer = setTimeout(() => this.flush(), this.delayMs);
    this.timer.unref();
  }

  private clear(): void {
    this.seqs.clear();
    this.topics.clear();
  }

  private flush(): void {
    this.timer = undefined;
    const events: FeedEvent[] = [];
    if (this.seqs.size > 0) {
      const seqs = [...this.seqs];
      // each stream shows the viewer only the ids she may see (head/web/web-routes.ts)
      events.push({ name: 'jobs', data: seqs.length > MAX_IDS ? { all: true } : { jobs: this.idsOf(seqs) } });
      // a farm's frames and a node's use follow its jobs
      if (!this.topics.has('farms')) events.push({ name: 'farms', data: {} });
      if (!this.topics.has('nodes')) events.push({ name: 'nodes', data: {} });
    }
    for (const [name, data] of this.topics) events.push({ name, data });
    this.clear();
    for (const l of this.listeners) l(events);
  }
}
