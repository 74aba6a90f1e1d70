import { createRequire } from 'node:module';
import type { ListenerOutcome } from './listener-outcome-policy.js';

/**
 * What is used of prom-client, declared here so that the package's types do not need it: it is
 * an optional peer.
 */
type Labels = Record<string, string>;
interface CounterLike {
  inc(labels: Labels, value: number): void;
}
interface HistogramLike {
  observe(labels: Labels, value: number): void;
}
interface PromClient {
  register: { getSingleMetric(name: string): unknown };
  Counter: new (configuration: { name: string; help: string; labelNames: string[] }) => CounterLike;
  Histogram: new (configuration: {
    name: string;
    help: string;
    labelNames: string[];
    buckets: number[];
  }) => HistogramLike;
}

/** The app's prom-client, when it has one (an optional peer): listener metrics join the app's own. */
function appPromClient(): PromClient | undefined {
  try {
    return createRequire(import.meta.url)('prom-client') as PromClient;
  } catch {
    return undefined;
  }
}

const LABELS = ['topic', 'consumer_group', 'listener'] as const;

/**
 * Listener metrics in the app's default prom-client registry (what its /metrics endpoint, such as
 * @willsoto/nestjs-prometheus's, serves), named as RocketMQ 5's clients name theirs:
 * rocketmq_consumer_messages_total by outcome (acknowledged, retried, dead-lettered) and
 * rocketmq_process_time_seconds by invocation_status. Several clients share them. Without
 * prom-client in the app, nothing is recorded.
 */
export class ListenerMetrics {
  private readonly messages: CounterLike | undefined;
  private readonly processTime: HistogramLike | undefined;

  constructor() {
    const client = appPromClient();
    if (!client) return;
    const existing = (name: string) => client.register.getSingleMetric(name);
    this.messages =
      (existing('rocketmq_consumer_messages_total') as CounterLike | undefined) ??
      new client.Counter({
        name: 'rocketmq_consumer_messages_total',
        help: 'Messages handled by @RocketListener methods, by outcome',
        labelNames: [...LABELS, 'outcome'],
      });
    this.processTime =
      (existing('rocketmq_process_time_seconds') as HistogramLike | undefined) ??
      new client.Histogram({
        name: 'rocketmq_process_time_seconds',
        help: 'Time a @RocketListener method took for a message (or batch)',
        labelNames: [...LABELS, 'invocation_status'],
        buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      });
  }

  record(
    topic: string,
    outcome: Pick<ListenerOutcome, 'listener' | 'group' | 'outcome'>,
    messages: number,
    seconds: number,
  ): void {
    const labels = { topic, consumer_group: outcome.group, listener: outcome.listener };
    this.messages?.inc({ ...labels, outcome: outcome.outcome }, messages);
    this.processTime?.observe(
      { ...labels, invocation_status: outcome.outcome === 'acknowledged' ? 'success' : 'failure' },
      seconds,
    );
  }
}
