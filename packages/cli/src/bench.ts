import { silentLogger } from '@rocketnest/common';
import { parseArgs } from 'node:util';
import { Admin, Producer, PushConsumer, type Message } from '@rocketnest/client';
import { credentialsFrom, tlsFrom } from './connection-options.js';
import { BenchMeter, common, positive, preciseNow, SENT_AT, warmupSeconds } from './bench-meter.js';

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
  if (values.protocol === 'grpc') return (await grpcBench()).benchGrpcProducer(values);
  protocolIsRemoting(values.protocol);
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
  const group = values.group ?? `rocketnest_bench_consumer_${Date.now()}`;
  if (values.from === 'last') await startAtEnd(values, group);
  if (values.protocol === 'grpc') return (await grpcBench()).benchGrpcConsumer({ ...values, group });
  protocolIsRemoting(values.protocol);
  const duration = positive('duration', values.duration);
  const warmup = warmupSeconds(values.warmup, duration);
  const concurrency = positive('concurrency', values.concurrency);
  const batch = positive('batch', values.batch);
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

/**
 * Commit the group at the end of every queue of the topic (a new group on a young topic would
 * start at offset 0); a topic with no route yet has nothing to skip.
 */
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

function protocolIsRemoting(protocol: string): void {
  if (protocol !== 'remoting') throw new Error(`--protocol must be remoting or grpc, got "${protocol}"`);
}

/**
 * The gRPC runs, loaded only when asked for: Apache's v5 client prints to the console when it
 * loads (its MAC address lookup), which would land in every other command's output.
 */
function grpcBench(): Promise<typeof import('./bench-grpc.js')> {
  return import('./bench-grpc.js');
}
