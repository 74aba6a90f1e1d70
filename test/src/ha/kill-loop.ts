import { silentLogger } from '@rocketnest/common';
import { Admin, Producer, PushConsumer } from '@rocketnest/client';
import { LocalCluster } from '../support/local-cluster.js';

export interface KillLoopOptions {
  example: '2m-2s-sync' | '2m-2s-async';
  /** How long brokers are killed and restarted, one after another. */
  seconds: number;
  /** Each broker in turn is SIGKILLed, and restarted this long after. */
  downMs: number;
  dir: string;
  log?: (line: string) => void;
}

export interface KillLoopFigures {
  kills: number;
  /** Sends answered with the message stored (SEND_OK, or SLAVE_NOT_AVAILABLE from a SYNC_MASTER whose slave is down). */
  acknowledged: number;
  failedSends: number;
  /** The longest time without an acknowledged send while the loop ran. */
  longestGapMs: number;
  lost: number;
  duplicates: number;
  /** Acknowledged sends per broker name in the last 5 s: a master's queues are back once it is. */
  lastSecondsByBroker: Record<string, number>;
}

const TOPIC = 'Orders';
const SENDERS = 16;
const STORED = new Set(['SEND_OK', 'SLAVE_NOT_AVAILABLE']);

/**
 * All four brokers of a 2m-2s example as processes, a producer and a group working throughout,
 * and each broker in turn (broker-a, broker-a-s, broker-b, broker-b-s, ...) SIGKILLed and
 * restarted over its store, for `seconds`. Then every acknowledged message must reach the group.
 */
export async function killLoop(options: KillLoopOptions): Promise<KillLoopFigures> {
  const log = options.log ?? (() => {});
  const cluster = await LocalCluster.start(options.example, options.dir);
  const clients = { namesrvAddr: cluster.namesrvAddr, logger: silentLogger };
  const admin = new Admin(clients);
  const producer = new Producer({ ...clients, producerGroup: 'kill-loop', pollNameServerInterval: 1000 });
  const consumer = new PushConsumer({
    ...clients,
    consumerGroup: 'kill-loop',
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    pollNameServerInterval: 1000,
    rebalanceInterval: 1000,
    persistConsumerOffsetInterval: 1000,
  });
  const received = new Map<string, number>();
  consumer.subscribe(TOPIC, '*').onMessage((messages) => {
    for (const m of messages) received.set(m.body.toString(), (received.get(m.body.toString()) ?? 0) + 1);
  });
  const acknowledged = new Set<string>();
  const recent: { at: number; brokerName: string }[] = [];
  let failedSends = 0;
  let lastAck = Date.now();
  let longestGapMs = 0;
  try {
    for (const name of ['broker-a', 'broker-b', 'broker-a-s', 'broker-b-s']) await cluster.startBroker(name);
    await admin.createTopic(TOPIC, { queueNums: 4, clusterName: 'DefaultCluster' });
    await producer.start();
    await consumer.start();

    let sending = true;
    let next = 0;
    const sender = async () => {
      while (sending) {
        const body = `m-${next++}`;
        try {
          const result = await producer.send({ topic: TOPIC, body }, { timeoutMs: 5000 });
          if (!STORED.has(result.status)) throw new Error(result.status);
          acknowledged.add(body);
          const now = Date.now();
          longestGapMs = Math.max(longestGapMs, now - lastAck);
          lastAck = now;
          recent.push({ at: now, brokerName: result.messageQueue.brokerName });
        } catch {
          failedSends++;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    const senders = Array.from({ length: SENDERS }, sender);
    await new Promise((resolve) => setTimeout(resolve, options.downMs));

    let kills = 0;
    const order = ['broker-a', 'broker-a-s', 'broker-b', 'broker-b-s'];
    const until = Date.now() + options.seconds * 1000;
    while (Date.now() < until) {
      const name = order[kills % order.length]!;
      await cluster.kill(name);
      kills++;
      log(`killed ${name} (${acknowledged.size} acknowledged, ${received.size} received, ${failedSends} failed sends)`);
      await new Promise((resolve) => setTimeout(resolve, options.downMs));
      await cluster.startBroker(name);
      await new Promise((resolve) => setTimeout(resolve, options.downMs));
    }
    // A little more with every broker up, so that each master's queues take sends again.
    await new Promise((resolve) => setTimeout(resolve, 5000));
    sending = false;
    await Promise.all(senders);
    const since = Date.now() - 5000;
    const lastSecondsByBroker: Record<string, number> = {};
    for (const { at, brokerName } of recent)
      if (at >= since) lastSecondsByBroker[brokerName] = (lastSecondsByBroker[brokerName] ?? 0) + 1;

    let size = -1;
    let changed = Date.now();
    while (![...acknowledged].every((body) => received.has(body)) && Date.now() - changed < 30_000) {
      if (received.size !== size) [size, changed] = [received.size, Date.now()];
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return {
      kills,
      acknowledged: acknowledged.size,
      failedSends,
      longestGapMs,
      lost: [...acknowledged].filter((body) => !received.has(body)).length,
      duplicates: [...received.values()].reduce((sum, n) => sum + n - 1, 0),
      lastSecondsByBroker,
    };
  } finally {
    await consumer.shutdown(1000);
    await producer.shutdown();
    await admin.shutdown();
    await cluster.close();
  }
}
