import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { silentLogger } from '@rocketnest/common';
import { Admin, Producer, PushConsumer } from '@rocketnest/client';
import { rocketnestArgs } from '../support/cli.js';
import { LocalCluster } from '../support/local-cluster.js';

export interface FailoverOptions {
  /** SYNC_MASTER and SYNC_FLUSH (2m-2s-sync with SYNC_FLUSH), or ASYNC_MASTER and ASYNC_FLUSH (2m-2s-async). */
  mode: 'SYNC' | 'ASYNC';
  /** Acknowledged sends before the master is killed (more are in flight when it dies). */
  messages: number;
  /** After the SIGKILL: the master's store deleted (the machine is lost), or kept (the process is). */
  loss: 'machine' | 'process';
  dir: string;
  log?: (line: string) => void;
}

export interface FailoverFigures {
  acknowledged: number;
  /** Acknowledged messages the group never received. */
  lost: number;
  /**
   * Messages the group received after the master was killed: all but at most what the consumer
   * held (PULL_THRESHOLD and a pull batch a queue) came from the slave, or the restarted master.
   */
  afterLoss: number;
  /** Deliveries of a message already received, before and after the master was replaced. */
  duplicatesBefore: number;
  duplicatesAfter: number;
  /** Sent to the promoted (or restarted) master and received. */
  afterwards: number;
  promoteOutput: string;
}

const IN_FLIGHT = 64;
/** Messages a queue of the consumer holds before it stops pulling (pullThresholdForQueue). */
export const PULL_THRESHOLD = 50;
const TOPIC = 'Orders';
const GROUP = 'Billing';

/** Run fn until it is truthy, every 100 ms, for at most ms; false when it never was. */
async function until(fn: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (
      await Promise.resolve()
        .then(fn)
        .catch(() => false)
    )
      return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** Wait until every acknowledged message is received, or none has come for 15 s. */
async function allOrQuiet(acknowledged: Set<string>, received: Map<string, number>): Promise<void> {
  let size = -1;
  let changed = Date.now();
  while (![...acknowledged].every((body) => received.has(body)) && Date.now() - changed < 15_000) {
    if (received.size !== size) [size, changed] = [received.size, Date.now()];
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * broker-a of RocketMQ's 2m-2s example, master and slave as processes, a producer sending and a
 * group consuming. Once `messages` sends are acknowledged the master is SIGKILLed with more in
 * flight. With the machine lost (store deleted) the group reads on from the slave, then the slave
 * is promoted with `rocketnest admin promote`; with only the process lost the master restarts
 * over its store. Either way the producer sends a tenth more, and a new member of the group (the
 * first stopped, committing its offsets) takes them from where the group was.
 */
export async function failover(options: FailoverOptions): Promise<FailoverFigures> {
  const log = options.log ?? (() => {});
  const sync = options.mode === 'SYNC';
  const cluster = await LocalCluster.start(sync ? '2m-2s-sync' : '2m-2s-async', options.dir, {
    flushDiskType: sync ? 'SYNC_FLUSH' : 'ASYNC_FLUSH',
  });
  const clients = { namesrvAddr: cluster.namesrvAddr, logger: silentLogger };
  const admin = new Admin(clients);
  const producer = new Producer({ ...clients, producerGroup: 'failover-producer' });
  const received = new Map<string, number>();
  // The group lags: its listeners wait here once half the messages are in, until the master is gone.
  let openGate = () => {};
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  let consumer: PushConsumer | undefined;
  const startConsumer = async (instanceName: string) => {
    consumer = new PushConsumer({
      ...clients,
      consumerGroup: GROUP,
      instanceName,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      pollNameServerInterval: 1000,
      rebalanceInterval: 1000,
      persistConsumerOffsetInterval: 1000,
      // Little held in the consumer: what it gets after the master's loss comes from the slave.
      pullThresholdForQueue: PULL_THRESHOLD,
    });
    consumer.subscribe(TOPIC, '*').onMessage(async (messages) => {
      if (received.size >= options.messages / 2) await gate;
      for (const m of messages) received.set(m.body.toString(), (received.get(m.body.toString()) ?? 0) + 1);
    });
    await consumer.start();
  };
  try {
    await cluster.startBroker('broker-a');
    await cluster.startBroker('broker-a-s');
    const master = cluster.broker('broker-a');
    const slave = cluster.broker('broker-a-s');
    await admin.createTopic(TOPIC, { queueNums: 4, clusterName: 'DefaultCluster' });
    await producer.start();
    // A SYNC_MASTER answers SEND_OK once its slave is connected; an ASYNC one at once.
    const maxOffset = async (addr: string) => (await admin.brokerRuntimeInfo(addr))['commitLogMaxOffset'];
    const connected = await until(async () => {
      if ((await producer.send({ topic: TOPIC, body: 'warm-up' })).status !== 'SEND_OK') return false;
      return (await maxOffset(master.addr)) === (await maxOffset(slave.addr));
    }, 30_000);
    if (!connected) throw new Error('the slave did not catch up with its master');
    const acknowledged = new Set<string>(['warm-up']);
    await startConsumer('before');

    // Senders keep IN_FLIGHT sends going; the master dies once `messages` are acknowledged.
    let next = 0;
    let killing: Promise<void> | undefined;
    const sender = async () => {
      while (!killing) {
        const body = `order-${next++}`;
        try {
          const result = await producer.send({ topic: TOPIC, body }, { timeoutMs: 10_000 });
          if (result.status === 'SEND_OK') acknowledged.add(body);
        } catch {
          // Unacknowledged: the master is dying.
        }
        if (acknowledged.size >= options.messages + 1 && !killing) killing = cluster.kill('broker-a');
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, sender));
    await killing;
    log(
      `${options.mode}: ${acknowledged.size} sends acknowledged, ${next} sent; the master was SIGKILLed, ${received.size} consumed so far`,
    );
    if (options.loss === 'machine') rmSync(master.store, { recursive: true, force: true });
    const beforeLoss = received.size;
    openGate();

    // With the machine lost the group reads on from the slave; else the master comes back.
    if (options.loss === 'process') await cluster.startBroker('broker-a');
    await allOrQuiet(acknowledged, received);
    // The group goes on: a commit interval later the restarted master, which lost the offsets it
    // had not yet written to consumerOffset.json, has them again.
    if (options.loss === 'process') {
      await until(async () => (await admin.consumerProgress(GROUP, TOPIC)).every((q) => q.lag === 0), 30_000);
    }
    const afterLoss = received.size - beforeLoss;
    const duplicatesBefore = [...received.values()].reduce((sum, n) => sum + n - 1, 0);
    const lost = [...acknowledged].filter((body) => !received.has(body)).length;
    log(
      `${options.mode}: the group received ${received.size}, ${afterLoss} of them after the master's loss; ${lost} acknowledged messages missing`,
    );
    await consumer!.shutdown(3000);

    let promoteOutput = '';
    if (options.loss === 'machine') {
      const promoted = spawnSync(
        process.execPath,
        rocketnestArgs(
          'admin',
          'promote',
          '-n',
          cluster.namesrvAddr,
          '-b',
          slave.addr,
          '--role',
          sync ? 'SYNC_MASTER' : 'ASYNC_MASTER',
        ),
        { encoding: 'utf8' },
      );
      promoteOutput = `${promoted.stdout}${promoted.stderr}`.trim();
      if (promoted.status !== 0) throw new Error(`rocketnest admin promote failed: ${promoteOutput}`);
      log(`promote: ${promoteOutput}`);
    }

    // A tenth more to the new (or restarted) master, then a new member of the group.
    const more = Math.ceil(options.messages / 10);
    const afterBodies: string[] = [];
    // The promoted SYNC_MASTER has no slave: its sends are stored and answered SLAVE_NOT_AVAILABLE.
    const stored = new Set(['SEND_OK', 'SLAVE_NOT_AVAILABLE']);
    if (!(await until(async () => stored.has((await producer.send({ topic: TOPIC, body: 'after-0' })).status), 60_000)))
      throw new Error('no send reached the new master');
    afterBodies.push('after-0');
    for (let i = 1; i < more; i++) {
      const body = `after-${i}`;
      const result = await producer.send({ topic: TOPIC, body });
      if (!stored.has(result.status)) throw new Error(`a send after the failover answered ${result.status}`);
      afterBodies.push(body);
    }
    const before = new Map(received);
    await startConsumer('after');
    await until(() => afterBodies.every((body) => received.has(body)), 60_000);
    const duplicatesAfter = [...received].filter(([body, n]) => n > (before.get(body) ?? 0) && before.has(body)).length;
    return {
      acknowledged: acknowledged.size,
      lost,
      afterLoss,
      duplicatesBefore,
      duplicatesAfter,
      afterwards: afterBodies.filter((body) => received.has(body)).length,
      promoteOutput,
    };
  } finally {
    await consumer?.shutdown(1000);
    await producer.shutdown();
    await admin.shutdown();
    await cluster.close();
  }
}
