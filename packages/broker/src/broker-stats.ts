/**
 * Message counts the admin tools show (BrokerStatsManager, StoreStatsService): totals since
 * start and per day, and rates over the last 10 s, 1 min and 10 min from per-second samples.
 */
export class BrokerStats {
  readonly bootTimestamp = Date.now();
  putTotal = 0;
  getTotal = 0;
  /** Messages and bytes stored per topic, and read per topic and group (group + '\u0001' + topic), since start. */
  readonly putByTopic = new Map<string, Traffic>();
  readonly getByGroupTopic = new Map<string, Traffic>();
  /** Told how long each send and pull took (seconds), when metrics are exported. */
  onLatency: ((kind: 'send' | 'pull', seconds: number) => void) | undefined;
  private putTodayMorning = 0;
  private getTodayMorning = 0;
  private putYesterdayMorning = 0;
  private getYesterdayMorning = 0;
  private day = new Date().getDate();
  /** [putTotal, getTotal] each second, newest last, 601 at most. */
  private readonly samples: [number, number][] = [[0, 0]];
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => this.sample(), 1000);
    this.timer.unref();
  }

  /** Each group and topic's read total a minute ago, and now (sampled each second): its consume TPS. */
  private readonly getMinute = new Map<string, number[]>();

  private sample(): void {
    this.samples.push([this.putTotal, this.getTotal]);
    for (const [key, traffic] of this.getByGroupTopic) {
      // A new key starts from 0: its total before the first read.
      const window = this.getMinute.get(key) ?? [0];
      window.push(traffic.messages);
      if (window.length > 61) window.shift();
      this.getMinute.set(key, window);
    }
    if (this.samples.length > 601) this.samples.shift();
    const today = new Date().getDate();
    if (today !== this.day) {
      this.day = today;
      this.putYesterdayMorning = this.putTodayMorning;
      this.getYesterdayMorning = this.getTodayMorning;
      this.putTodayMorning = this.putTotal;
      this.getTodayMorning = this.getTotal;
    }
  }

  /** "10s 1min 10min" rates of puts (0) or gets (1), as StoreStatsService formats them. */
  private tps(which: 0 | 1): string {
    const now = this.samples.at(-1)![which];
    return [10, 60, 600]
      .map((seconds) => {
        const back = this.samples[Math.max(0, this.samples.length - 1 - seconds)]!;
        const span = Math.min(seconds, this.samples.length - 1) || 1;
        return ((now - back[which]) / span).toFixed(2);
      })
      .join(' ');
  }

  runtimeInfo(): Record<string, string> {
    return {
      msgPutTotalYesterdayMorning: String(this.putYesterdayMorning),
      msgPutTotalTodayMorning: String(this.putTodayMorning),
      msgPutTotalTodayNow: String(this.putTotal),
      msgGetTotalYesterdayMorning: String(this.getYesterdayMorning),
      msgGetTotalTodayMorning: String(this.getTodayMorning),
      msgGetTotalTodayNow: String(this.getTotal),
      putTps: this.tps(0),
      getFoundTps: this.tps(1),
      getTransferedTps: this.tps(1),
      bootTimestamp: String(this.bootTimestamp),
      runtime: `[ ${Math.floor((Date.now() - this.bootTimestamp) / 1000)} seconds ]`,
    };
  }

  recordPut(topic: string, messages: number, bytes: number): void {
    this.putTotal += messages;
    add(this.putByTopic, topic, messages, bytes);
  }

  recordGet(group: string, topic: string, messages: number, bytes: number): void {
    this.getTotal += messages;
    add(this.getByGroupTopic, `${group}\u0001${topic}`, messages, bytes);
  }

  /** Messages a second the group read of the topic over the last minute (or since its first read), as BrokerStatsManager's GROUP_GET_NUMS. */
  consumeTps(group: string, topic: string): number {
    const window = this.getMinute.get(`${group}\u0001${topic}`);
    if (!window || window.length < 2) return 0;
    return (window.at(-1)! - window[0]!) / (window.length - 1);
  }

  close(): void {
    clearInterval(this.timer);
  }
}

export interface Traffic {
  messages: number;
  bytes: number;
}

function add(table: Map<string, Traffic>, key: string, messages: number, bytes: number): void {
  const traffic = table.get(key);
  if (traffic) {
    traffic.messages += messages;
    traffic.bytes += bytes;
  } else table.set(key, { messages, bytes });
}
