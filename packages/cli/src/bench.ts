import { parseArgs } from 'node:util';
import { Producer, type Message } from '@rocketnest/client';
import { silentLogger } from '@rocketnest/remoting';

/** Latencies in 10 µs buckets up to 60 s: percentiles without keeping (and collecting) every sample. */
class LatencyHistogram {
  private readonly buckets = new Uint32Array(6_000_000);
  count = 0;
  max = 0;

  record(ms: number): void {
    this.buckets[Math.min(this.buckets.length - 1, Math.floor(ms * 100))]!++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  percentile(p: number): number {
    const rank = Math.ceil((this.count * p) / 100);
    let seen = 0;
    for (let i = 0; i < this.buckets.length && seen < rank; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return i / 100;
    }
    return 0;
  }

  reset(): void {
    this.buckets.fill(0);
    this.count = 0;
    this.max = 0;
  }
}

interface Window {
  sent: number;
  errors: number;
  latencies: LatencyHistogram;
}

/** `rocketnest bench producer`: RocketMQ's benchmark Producer, for any RocketMQ-compatible cluster. */
export async function benchProducer(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      namesrvAddr: { type: 'string', short: 'n', default: '127.0.0.1:9876' },
      topic: { type: 'string', short: 't', default: 'BenchmarkTest' },
      size: { type: 'string', short: 's', default: '1024' },
      inflight: { type: 'string', default: '1000' },
      batch: { type: 'string', default: '1' },
      duration: { type: 'string', default: '30' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const size = positive('size', values.size);
  const inflight = positive('inflight', values.inflight);
  const batch = positive('batch', values.batch);
  const duration = positive('duration', values.duration);
  const settings = { namesrvAddr: values.namesrvAddr, topic: values.topic, size, inflight, batch, duration };
  const producer = new Producer({
    namesrvAddr: values.namesrvAddr,
    producerGroup: 'rocketnest_bench_producer',
    logger: silentLogger,
  });
  await producer.start();
  const body = Buffer.alloc(size, 'a');
  const message: Message = { topic: values.topic, body };
  const messages = Array.from({ length: batch }, () => message);
  // One send first: creates the topic (from TBW102) and learns its route.
  await producer.send(message);
  const total: Window = { sent: 0, errors: 0, latencies: new LatencyHistogram() };
  const window: Window = { sent: 0, errors: 0, latencies: new LatencyHistogram() };
  const started = performance.now();
  const deadline = started + duration * 1000;
  let second = 0;
  const report = setInterval(() => {
    second++;
    const line = {
      second,
      msgPerSec: window.sent,
      mbPerSec: (window.sent * size) / 1e6,
      p50Ms: window.latencies.percentile(50),
      p99Ms: window.latencies.percentile(99),
      maxMs: window.latencies.max,
      errors: window.errors,
    };
    window.sent = window.errors = 0;
    window.latencies.reset();
    if (values.json) console.log(JSON.stringify(line));
    else {
      console.log(
        `[${String(second).padStart(3)}s] ${line.msgPerSec.toLocaleString('en-US').padStart(9)} msg/s ${line.mbPerSec.toFixed(1).padStart(7)} MB/s` +
          `  p50 ${line.p50Ms.toFixed(2)} ms  p99 ${line.p99Ms.toFixed(2)} ms  max ${line.maxMs.toFixed(2)} ms  errors ${line.errors}`,
      );
    }
  }, 1000);
  let lastError: string | undefined;
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (performance.now() < deadline) {
        const sentAt = performance.now();
        try {
          await (batch === 1 ? producer.send(message) : producer.sendBatch(messages));
          const latency = performance.now() - sentAt;
          window.sent += batch;
          total.sent += batch;
          window.latencies.record(latency);
          total.latencies.record(latency);
        } catch (error) {
          window.errors++;
          total.errors++;
          lastError = (error as Error).message;
        }
      }
    }),
  );
  clearInterval(report);
  const seconds = (performance.now() - started) / 1000;
  await producer.shutdown();
  const latencies = total.latencies;
  const summary = {
    ...settings,
    seconds,
    msgPerSec: total.sent / seconds,
    mbPerSec: (total.sent * size) / seconds / 1e6,
    p50Ms: latencies.percentile(50),
    p99Ms: latencies.percentile(99),
    maxMs: latencies.max,
    errors: total.errors,
  };
  if (values.json) console.log(JSON.stringify({ summary }));
  else {
    console.log(
      `producer: ${Math.round(summary.msgPerSec).toLocaleString('en-US')} msg/s, ${summary.mbPerSec.toFixed(1)} MB/s, ` +
        `p50 ${summary.p50Ms.toFixed(2)} ms, p99 ${summary.p99Ms.toFixed(2)} ms, max ${summary.maxMs.toFixed(2)} ms, ${summary.errors} errors ` +
        `(${size} B, ${inflight} in flight, batch ${batch}, ${seconds.toFixed(0)} s, topic ${values.topic}, ${values.namesrvAddr})`,
    );
    if (lastError) console.log(`last error: ${lastError}`);
  }
}

function positive(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a whole number of at least 1, got "${text}"`);
  return value;
}
