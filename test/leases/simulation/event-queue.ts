/** A discrete-event queue on a virtual clock: a binary heap by time, then by insertion order. */
export class EventQueue {
  private readonly times: number[] = [];
  private readonly seqs: number[] = [];
  private readonly actions: (() => void)[] = [];
  private seq = 0;
  now = 0;

  at(time: number, action: () => void): void {
    this.times.push(time);
    this.seqs.push(this.seq++);
    this.actions.push(action);
    this.up(this.times.length - 1);
  }

  after(delayMs: number, action: () => void): void {
    this.at(this.now + Math.max(0, delayMs), action);
  }

  /** Runs events in order until the queue is empty or the next one is past `until`. */
  run(until: number): void {
    while (this.times.length > 0 && (this.times[0] as number) <= until) {
      const time = this.times[0] as number;
      const action = this.actions[0] as () => void;
      this.pop();
      this.now = time;
      action();
    }
    this.now = until;
  }

  private less(a: number, b: number): boolean {
    const ta = this.times[a] as number;
    const tb = this.times[b] as number;
    return ta < tb || (ta === tb && (this.seqs[a] as number) < (this.seqs[b] as number));
  }

  private swap(a: number, b: number): void {
    [this.times[a], this.times[b]] = [this.times[b] as number, this.times[a] as number];
    [this.seqs[a], this.seqs[b]] = [this.seqs[b] as number, this.seqs[a] as number];
    [this.actions[a], this.actions[b]] = [
      this.actions[b] as () => void,
      this.actions[a] as () => void,
    ];
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private pop(): void {
    const last = this.times.length - 1;
    this.swap(0, last);
    this.times.pop();
    this.seqs.pop();
    this.actions.pop();
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < this.times.length && this.less(left, least)) least = left;
      if (right < this.times.length && this.less(right, least)) least = right;
      if (least === i) return;
      this.swap(i, least);
      i = least;
    }
  }
}

/** mulberry32: a small seeded PRNG, so every seed replays exactly. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
