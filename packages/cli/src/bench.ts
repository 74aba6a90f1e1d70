import { silentLogger } from '@rocketnest/common';
import { parseArgs } from 'node:util';
import { Admin, Producer, PushConsumer, type Message } from '@rocketnest/client';
import { LatencyHistogram } from './latency-histogram.js';
import { connectionOptions, credentialsFrom, tlsFrom } from './connection-options.js';

interface Counts {
  messages: number;
  bytes: number;
  errors: number;
  latencies: LatencyHistogram;
}

const counts = (): Counts => ({ messages: 0, bytes: 0, errors: 0, latencies: new LatencyHistogram() });

function add(c: Counts, messages: number, bytes: number, latencyMs: number): void {
  c.messages += messages;
  c.bytes += bytes;
  c.latencies.record(latencyMs);
}

/**
 * Counts messages, bytes and latencies; prints a line each second and a summary at the end. The
 * first warmupSeconds have their lines but stay out of the summary: while the processes compile
 * their hot paths and the consumer takes its queues, latencies run to hundreds of milliseconds,
 * and those seconds set a whole run's p99.
 */
class BenchMeter {
  private readonly total = counts();
  private readonly window = counts();
  /** When the summary's time starts: at the end of the warm-up. */
  private totalStarted = performance.now();
  private second = 0;
  /** Seconds of the summary that had traffic: a consumer waiting for its first message does not dilute the rates. */
  private busySeconds = 0;
  private lastTick = performance.now();
  private lastError: string | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly json: boolean,
    private readonly latencyName: string,
    private readonly warmupSeconds: number,
  ) {
    this.timer = setInterval(() => this.tick(), 1000);
  }

  private get warmingUp(): boolean {
    return this.second < this.warmupSeconds;
  }

  record(messages: number, bytes: number, latencyMs: number): void {
    if (!this.warmingUp) add(this.total, messages, bytes, latencyMs);
    add(this.window, messages, bytes, latencyMs);
  }

  error(message: string): void {
    if (!this.warmingUp) this.total.errors++;
    this.window.errors++;
    this.lastError = message;
  }

  private figures(c: Counts, seconds: number) {
    return {
      messages: c.messages,
      msgPerSec: c.messages / seconds,
      mbPerSec: c.bytes / seconds / 1e6,
      p50Ms: c.latencies.percentile(50),
      p99Ms: c.latencies.percentile(99),
      maxMs: c.latencies.max,
      errors: c.errors,
    };
  }

  private describe(f: ReturnType<BenchMeter['figures']>): string {
    return (
      `${Math.round(f.msgPerSec).toLocaleString('en-US').padStart(9)} msg/s ${f.mbPerSec.toFixed(1).padStart(7)} MB/s  ` +
      `${this.latencyName} p50 ${f.p50Ms.toFixed(2)} ms  p99 ${f.p99Ms.toFixed(2)} ms  max ${f.maxMs.toFixed(2)} ms  errors ${f.errors}`
    );
  }

  private tick(): void {
    if (!this.warmingUp && this.window.messages > 0) this.busySeconds++;
    this.lastTick = performance.now();
    this.second++;
    this.printWindow(1);
    if (this.second === this.warmupSeconds) this.totalStarted = performance.now();
  }

  /** The window's line (its rates over seconds), then an empty window. */
  private printWindow(seconds: number): void {
    const line = { second: this.second, ...this.figures(this.window, seconds) };
    this.window.messages = this.window.bytes = this.window.errors = 0;
    this.window.latencies.reset();
    console.log(this.json ? JSON.stringify(line) : `[${String(this.second).padStart(3)}s] ${this.describe(line)}`);
  }

  finish(name: string, settings: Record<string, unknown>): void {
    clearInterval(this.timer);
    const elapsed = (performance.now() - this.totalStarted) / 1000;
    // The last, partial second gets its line too, so that every message counted is in one.
    const sinceTick = (performance.now() - this.lastTick) / 1000;
    const partial = !this.warmingUp && this.window.messages > 0 ? sinceTick : 0;
    if (this.window.messages > 0) {
      this.second++;
      this.printWindow(sinceTick);
    }
    const seconds = this.busySeconds + partial || elapsed;
    const summary = {
      ...settings,
      warmup: this.warmupSeconds,
      seconds,
      elapsedSeconds: elapsed,
      ...this.figures(this.total, seconds),
    };
    if (this.json) {
      console.log(JSON.stringify({ summary }));
      return;
    }
    const described = Object.entries(settings)
      .map(([key, value]) => `${key} ${String(value)}`)
      .join(', ');
    const warmup = this.warmupSeconds > 0 ? ` after ${this.warmupSeconds} s of warm-up` : '';
    console.log(
      `${name}: ${this.describe(summary).replace(/\s+/g, ' ').trim()} (${described}, over the ${seconds.toFixed(0)} s with traffic of ${elapsed.toFixed(0)} s${warmup})`,
    );
    if (this.lastError) console.log(`last error: ${this.lastError}`);
  }
}

/**
 * The property a paced producer stamps each message with: its send time in epoch milliseconds to
 * the microsecond. The born timestamp has millisecond resolution, too coarse for an end-to-end
 * latency of a millisecond or two.
 */
const SENT_AT = 'BENCH_SENT_AT';

/** Epoch milliseconds with a fractional part, comparable across processes as Date.now() is. */
function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

const common = {
  namesrvAddr: { type: 'string', short: 'n', default: '127.0.0.1:9876' },
  topic: { type: 'string', short: 't', default: 'BenchmarkTest' },
  duration: { type: 'string', default: '30' },
  /** Seconds at the start that print their lines but stay out of the summary. */
  warmup: { type: 'string', default: '0' },
  json: { type: 'boolean', default: false },
  ...connectionOptions,
} as const;

/** `rocketnest bench producer`: RocketMQ's benchmark Producer, for any RocketMQ-compatible cluster. */
export async function benchProducer(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      ...common,
      /** Messages per second to send at (default: as fast as the in-flight limit allows). */
      rate: { type: 'string' },
      size: { type: 'string', short: 's', default: '1024' },
      inflight: { type: 'string', default: '1000' },
      batch: { type: 'string', default: '1' },
    },
    strict: true,
  });
  const size = positive('size', values.size);
  const inflight = positive('inflight', values.inflight);
  const batch = positive('batch', values.batch);
  const duration = positive('duration', values.duration);
  const warmup = warmupSeconds(values.warmup, duration);
  const producer = new Producer({
    namesrvAddr: values.namesrvAddr,
    producerGroup: 'rocketnest_bench_producer',
    credentials: credentialsFrom(values),
    tls: tlsFrom(values),
    logger: silentLogger,
  });
  await producer.start();
  const message: Message = { topic: values.topic, body: Buffer.alloc(size, 'a') };
  const messages = Array.from({ length: batch }, () => message);
  /**
   * A paced run's message, stamped with its send time for the consumer (see SENT_AT). Written out:
   * in Node 20's V8, `{ ...message, properties }` (a spread plus a property the source lacks)
   * makes a new hidden class for every object, in the old generation, which sets off the
   * promotion cascade InFlightTable describes.
   */
  const stamped = (): Message => ({
    topic: message.topic,
    body: message.body,
    properties: { [SENT_AT]: preciseNow().toFixed(3) },
  });
  const rate = values.rate === undefined ? undefined : positive('rate', values.rate);
  const paced = rate !== undefined;
  // One send first: creates the topic (from TBW102) and learns its route.
  await producer.send(paced ? stamped() : message);
  const meter = new BenchMeter(values.json, 'send', warmup);
  const deadline = performance.now() + duration * 1000;
  const sendOne = async () => {
    const sentAt = performance.now();
    try {
      if (batch === 1) await producer.send(paced ? stamped() : message);
      else await producer.sendBatch(paced ? Array.from({ length: batch }, stamped) : messages);
      meter.record(batch, batch * size, performance.now() - sentAt);
    } catch (error) {
      meter.error((error as Error).message);
    }
  };
  if (rate === undefined) {
    // As fast as the in-flight limit allows: each slot sends again as soon as its send is answered.
    await Promise.all(
      Array.from({ length: inflight }, async () => {
        while (performance.now() < deadline) await sendOne();
      }),
    );
  } else {
    // At a fixed rate: every millisecond, the sends due by now (one timer for all, so that the
    // pacing itself adds no timers or garbage per message), never more than --inflight at once.
    // Sends in flight are counted, not kept in a Set: see InFlightTable for what a collection
    // churned thousands of times a second does to the young generation.
    const started = performance.now();
    let due = 0;
    let sending = 0;
    /** Set once pacing ends, to wait for the last answers. */
    let lastAnswered: (() => void) | undefined;
    const answered = () => {
      if (--sending === 0) lastAnswered?.();
    };
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now();
        if (now >= deadline) {
          clearInterval(timer);
          resolve();
          return;
        }
        const target = Math.floor(((now - started) * rate) / 1000 / batch);
        for (; due < target && sending < inflight; due++) {
          sending++;
          void sendOne().then(answered);
        }
      }, 1);
    });
    if (sending > 0) await new Promise<void>((resolve) => (lastAnswered = resolve));
  }
  meter.finish('producer', {
    size,
    inflight,
    batch,
    rate: rate ?? 'unlimited',
    topic: values.topic,
    namesrv: values.namesrvAddr,
  });
  await producer.shutdown();
}

/**
 * `rocketnest bench consumer`: drains a topic with a new group; latency is end to end, from the
 * send time a paced `bench producer --rate` stamps (else the born timestamp, to the millisecond)
 * to the listener (meaningful when producer and consumer share a clock).
 * --from last reads only what arrives after it starts (for latency); first drains the backlog.
 */
export async function benchConsumer(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      ...common,
      from: { type: 'string', default: 'first' },
      group: { type: 'string', short: 'g' },
      concurrency: { type: 'string', default: '64' },
      batch: { type: 'string', default: '32' },
    },
    strict: true,
  });
  const duration = positive('duration', values.duration);
  const warmup = warmupSeconds(values.warmup, duration);
  const concurrency = positive('concurrency', values.concurrency);
  const batch = positive('batch', values.batch);
  const group = values.group ?? `rocketnest_bench_consumer_${Date.now()}`;
  const consumer = new PushConsumer({
    namesrvAddr: values.namesrvAddr,
    consumerGroup: group,
    credentials: credentialsFrom(values),
    tls: tlsFrom(values),
    consumeFromWhere: values.from === 'last' ? 'CONSUME_FROM_LAST_OFFSET' : 'CONSUME_FROM_FIRST_OFFSET',
    concurrency,
    consumeMessageBatchMaxSize: batch,
    logger: silentLogger,
  });
  // A new group on a young topic would start at offset 0: put it at the end first.
  if (values.from === 'last') await startAtEnd(values, group);
  const meter = new BenchMeter(values.json, 'end-to-end', warmup);
  consumer.subscribe(values.topic).onMessage((messages) => {
    // Whole milliseconds from the born time, both ends to the millisecond (no bias), unless stamped.
    const now = Date.now();
    const preciseAt = preciseNow();
    // Properties are decoded only in batches that begin with a stamped message, so that a drain
    // of unstamped messages does not pay for it; any unstamped one counts from its born time.
    const stamped = messages[0]?.properties[SENT_AT] !== undefined;
    for (const message of messages) {
      const stamp = stamped ? message.properties[SENT_AT] : undefined;
      const latency = stamp === undefined ? now - message.bornTimestamp : preciseAt - Number(stamp);
      meter.record(1, message.body.length, latency);
    }
  });
  await consumer.start();
  await new Promise((resolve) => setTimeout(resolve, duration * 1000));
  meter.finish('consumer', { group, concurrency, batch, topic: values.topic, namesrv: values.namesrvAddr });
  await consumer.shutdown();
}

/** Commit the group at the end of every queue of the topic; a topic with no route yet has nothing to skip. */
async function startAtEnd(
  values: { namesrvAddr: string; topic: string } & Parameters<typeof tlsFrom>[0] &
    Parameters<typeof credentialsFrom>[0],
  group: string,
) {
  const admin = new Admin({
    namesrvAddr: values.namesrvAddr,
    credentials: credentialsFrom(values),
    tls: tlsFrom(values),
    logger: silentLogger,
  });
  try {
    await admin.commitGroupAtEnd(group, values.topic).catch((error: unknown) => {
      if (!/route|topic/i.test((error as Error).message)) throw error;
    });
  } finally {
    await admin.shutdown();
  }
}

function warmupSeconds(text: string, duration: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value >= duration) {
    throw new Error(
      `--warmup must be a whole number of seconds from 0 to under --duration (${duration}), got "${text}"`,
    );
  }
  return value;
}

function positive(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a whole number of at least 1, got "${text}"`);
  return value;
}
