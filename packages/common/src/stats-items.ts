/**
 * Counters with RocketMQ's StatsItem windows, for what the broker's BrokerStatsManager and a
 * consumer's ConsumerStatsManager report: per name and key, a running total and how many times
 * it was added to, sampled into a minute, an hour and a day window. Each window's figures are the
 * difference between its oldest and newest samples, as StatsItem computes them.
 */

/** One window's figures: BrokerStatsItem. */
export interface StatsWindow {
  sum: number;
  tps: number;
  avgpt: number;
}

export interface StatsData {
  statsMinute: StatsWindow;
  statsHour: StatsWindow;
  statsDay: StatsWindow;
}

interface Snapshot {
  at: number;
  value: number;
  times: number;
}

/** Sample spacing and how many samples each window keeps: a minute, an hour and a day back. */
const WINDOWS = {
  statsMinute: { everySeconds: 1, keep: 61 },
  statsHour: { everySeconds: 60, keep: 61 },
  statsDay: { everySeconds: 3600, keep: 25 },
} as const;
type WindowName = keyof typeof WINDOWS;

class StatsItem {
  value = 0;
  times = 0;
  readonly samples: Record<WindowName, Snapshot[]> = { statsMinute: [], statsHour: [], statsDay: [] };

  sample(window: WindowName, now: number): void {
    const list = this.samples[window];
    // The first sample of a new item pairs with a zero one window step earlier, so what was
    // added before it counts (RocketMQ's samplingInSeconds does the same).
    if (list.length === 0) list.push({ at: now - WINDOWS[window].everySeconds * 1000, value: 0, times: 0 });
    list.push({ at: now, value: this.value, times: this.times });
    if (list.length > WINDOWS[window].keep) list.shift();
  }

  window(window: WindowName): StatsWindow {
    const list = this.samples[window];
    if (list.length < 2) return { sum: 0, tps: 0, avgpt: 0 };
    const first = list[0]!;
    const last = list.at(-1)!;
    const sum = last.value - first.value;
    const times = last.times - first.times;
    return { sum, tps: (sum * 1000) / (last.at - first.at), avgpt: times > 0 ? sum / times : 0 };
  }
}

/** A stats name's running totals, per key: [key, value, times added to]. */
export type StatsSource = () => Iterable<readonly [key: string, value: number, times: number]>;

/**
 * Every stats name's items, keyed (a topic, topic@group...), sampled by tick() once a second from
 * running totals the owner keeps anyway: nothing is done per message here.
 */
export class StatsItems<Name extends string> {
  private readonly sets = new Map<Name, Map<string, StatsItem>>();
  private ticks = 0;

  constructor(private readonly sources: Readonly<Record<Name, StatsSource>>) {
    for (const name of Object.keys(sources) as Name[]) this.sets.set(name, new Map());
  }

  tick(now = Date.now()): void {
    this.ticks++;
    const due = (Object.keys(WINDOWS) as WindowName[]).filter(
      (window) => this.ticks % WINDOWS[window].everySeconds === 0,
    );
    for (const [name, set] of this.sets) {
      for (const [key, value, times] of this.sources[name]()) {
        let item = set.get(key);
        if (!item) set.set(key, (item = new StatsItem()));
        item.value = value;
        item.times = times;
        for (const window of due) item.sample(window, now);
      }
    }
  }

  /** The item's three windows, or undefined when nothing was ever added under that name and key. */
  data(name: Name, key: string): StatsData | undefined {
    const item = this.sets.get(name)?.get(key);
    if (!item) return undefined;
    return {
      statsMinute: item.window('statsMinute'),
      statsHour: item.window('statsHour'),
      statsDay: item.window('statsDay'),
    };
  }

  /** Drop the items whose key matches, under every name (a deleted topic's, say). */
  forget(matches: (key: string) => boolean): void {
    for (const set of this.sets.values()) {
      for (const key of set.keys()) if (matches(key)) set.delete(key);
    }
  }
}
