import { StatsItems, type StatsSource } from '@rocketnest/common';

/** The stats names BrokerStatsManager answers VIEW_BROKER_STATS_DATA for, with the key each takes. */
export const BROKER_STATS_NAMES = [
  'TOPIC_PUT_NUMS', // key: topic
  'TOPIC_PUT_SIZE', // key: topic
  'GROUP_GET_NUMS', // key: topic@group
  'GROUP_GET_SIZE', // key: topic@group
  'SNDBCK_PUT_NUMS', // key: topic@group
  'BROKER_PUT_NUMS', // key: cluster name
  'BROKER_GET_NUMS', // key: cluster name
] as const;
export type BrokerStatsName = (typeof BROKER_STATS_NAMES)[number];

/**
 * Message counts the admin tools show (BrokerStatsManager, StoreStatsService): totals since
 * start and per day, rates over the last 10 s, 1 min and 10 min from per-second samples, and
 * per topic and group the minute, hour and day windows of `items`.
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
  private putCalls = 0;
  private getCalls = 0;
  /** Messages sent back per topic@group (SNDBCK_PUT_NUMS). */
  private readonly sendBacks = new Map<string, number>();
  /** The minute, hour and day windows, sampled each second from the totals above. */
  readonly items = new StatsItems<BrokerStatsName>(this.sources());

  /** clusterName keys the broker-wide BROKER_PUT_NUMS and BROKER_GET_NUMS, as in RocketMQ. */
  constructor(private readonly clusterName: string) {
    this.timer = setInterval(() => this.sample(), 1000);
    this.timer.unref();
  }

  private sample(): void {
    this.samples.push([this.putTotal, this.getTotal]);
    this.items.tick();
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
    this.putCalls++;
    add(this.putByTopic, topic, messages, bytes);
  }

  recordGet(group: string, topic: string, messages: number, bytes: number): void {
    this.getTotal += messages;
    this.getCalls++;
    add(this.getByGroupTopic, `${group}\u0001${topic}`, messages, bytes);
  }

  /** A message the group sent back to be consumed again (SNDBCK_PUT_NUMS). */
  recordSendBack(group: string, topic: string): void {
    const key = `${topic}@${group}`;
    this.sendBacks.set(key, (this.sendBacks.get(key) ?? 0) + 1);
  }

  /** Where each stats name's totals come from: the counters kept per message anyway. */
  private sources(): Record<BrokerStatsName, StatsSource> {
    const byTopic =
      (field: 'messages' | 'bytes'): StatsSource =>
      () =>
        [...this.putByTopic].map(([topic, t]) => [topic, t[field], t.calls] as const);
    // getByGroupTopic's keys are group + '\u0001' + topic; RocketMQ's are topic@group.
    const byGroup =
      (field: 'messages' | 'bytes'): StatsSource =>
      () =>
        [...this.getByGroupTopic].map(([key, t]) => {
          const [group, topic] = key.split('\u0001');
          return [`${topic}@${group}`, t[field], t.calls] as const;
        });
    return {
      TOPIC_PUT_NUMS: byTopic('messages'),
      TOPIC_PUT_SIZE: byTopic('bytes'),
      GROUP_GET_NUMS: byGroup('messages'),
      GROUP_GET_SIZE: byGroup('bytes'),
      SNDBCK_PUT_NUMS: () => [...this.sendBacks].map(([key, count]) => [key, count, count] as const),
      BROKER_PUT_NUMS: () => [[this.clusterName, this.putTotal, this.putCalls]],
      BROKER_GET_NUMS: () => [[this.clusterName, this.getTotal, this.getCalls]],
    };
  }

  /** Messages a second the group read of the topic over the last minute: GROUP_GET_NUMS's minute TPS. */
  consumeTps(group: string, topic: string): number {
    return this.items.data('GROUP_GET_NUMS', `${topic}@${group}`)?.statsMinute.tps ?? 0;
  }

  /** A deleted topic's counts go with it. */
  forgetTopic(topic: string): void {
    this.putByTopic.delete(topic);
    for (const key of this.getByGroupTopic.keys()) if (key.endsWith(`\u0001${topic}`)) this.getByGroupTopic.delete(key);
    for (const key of this.sendBacks.keys()) if (key.startsWith(`${topic}@`)) this.sendBacks.delete(key);
    this.items.forget((key) => key === topic || key.startsWith(`${topic}@`));
  }

  close(): void {
    clearInterval(this.timer);
  }
}

export interface Traffic {
  messages: number;
  bytes: number;
  /** Sends or pulls that carried them. */
  calls: number;
}

function add(table: Map<string, Traffic>, key: string, messages: number, bytes: number): void {
  const traffic = table.get(key);
  if (traffic) {
    traffic.messages += messages;
    traffic.bytes += bytes;
    traffic.calls++;
  } else table.set(key, { messages, bytes, calls: 1 });
}
