import { LatencyHistogram } from './latency-histogram.js';
import { connectionOptions } from './connection-options.js';

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
export class BenchMeter {
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
export const SENT_AT = 'BENCH_SENT_AT';

/** Epoch milliseconds with a fractional part, comparable across processes as Date.now() is. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

export const common = {
  namesrvAddr: { type: 'string', short: 'n', default: '127.0.0.1:9876' },
  topic: { type: 'string', short: 't', default: 'BenchmarkTest' },
  duration: { type: 'string', default: '30' },
  /** Seconds at the start that print their lines but stay out of the summary. */
  warmup: { type: 'string', default: '0' },
  json: { type: 'boolean', default: false },
  /** remoting (RocketMQ 4.x clients' protocol, with -n) or grpc (RocketMQ 5's, with --endpoints). */
  protocol: { type: 'string', default: 'remoting' },
  endpoints: { type: 'string', default: '127.0.0.1:8081' },
  ...connectionOptions,
} as const;

export function warmupSeconds(text: string, duration: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value >= duration) {
    throw new Error(
      `--warmup must be a whole number of seconds from 0 to under --duration (${duration}), got "${text}"`,
    );
  }
  return value;
}

export function positive(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`--${name} must be a whole number of at least 1, got "${text}"`);
  return value;
}
