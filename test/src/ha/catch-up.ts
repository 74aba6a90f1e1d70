import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { silentLogger } from '@rocketnest/common';
import { Admin, Producer } from '@rocketnest/client';
import { LocalCluster } from '../support/local-cluster.js';

export interface CatchUpOptions {
  /** Written to the master while its slave is stopped. */
  whileStoppedBytes: number;
  /** The master's CommitLog before an empty slave starts against it. */
  masterBytes: number;
  dir: string;
  log?: (line: string) => void;
}

export interface CatchUp {
  /** CommitLog bytes the slave copied, and the time from its boot line to having them all. */
  bytes: number;
  ms: number;
}

export interface CatchUpFigures {
  stopped: CatchUp;
  empty: CatchUp;
  masterBytes: number;
}

const TOPIC = 'Bulk';
/** 64 incompressible 16 KiB bodies a batch: 1 MiB. */
const BATCH = 64;
const BODY = 16 * 1024;

/** Send about bytes of 1 MiB batches, four at a time. */
async function fill(producer: Producer, bytes: number): Promise<void> {
  const batch = Array.from({ length: BATCH }, () => ({ topic: TOPIC, body: randomBytes(BODY) }));
  let left = bytes;
  const sender = async () => {
    while (left > 0) {
      left -= BATCH * BODY;
      await producer.sendBatch(batch, { timeoutMs: 30_000 });
    }
  };
  await Promise.all([sender(), sender(), sender(), sender()]);
}

/**
 * broker-a of the 2m-2s-async example as processes. A slave stopped while its master takes
 * whileStoppedBytes catches up once restarted; then, with the master at masterBytes, an empty
 * slave (its store deleted) starts against it and takes the master's newest CommitLog segment,
 * as RocketMQ's slaves do.
 */
export async function slaveCatchUp(options: CatchUpOptions): Promise<CatchUpFigures> {
  const log = options.log ?? (() => {});
  const cluster = await LocalCluster.start('2m-2s-async', options.dir);
  const clients = { namesrvAddr: cluster.namesrvAddr, logger: silentLogger, requestTimeoutMs: 30_000 };
  const admin = new Admin(clients);
  const producer = new Producer({ ...clients, producerGroup: 'bulk', compressMsgBodyOverHowmuch: 1 << 30 });
  const master = cluster.broker('broker-a');
  const slave = cluster.broker('broker-a-s');
  const maxOffset = async (addr: string) => Number((await admin.brokerRuntimeInfo(addr))['commitLogMaxOffset']);
  const minOffset = async (addr: string) => Number((await admin.brokerRuntimeInfo(addr))['commitLogMinOffset']);
  /** Start the slave and wait until it has everything the master has: the bytes it copied, and how long it took. */
  const catchUp = async (had: () => Promise<number>): Promise<CatchUp> => {
    await cluster.startBroker('broker-a-s');
    const from = performance.now();
    const target = await maxOffset(master.addr);
    while ((await maxOffset(slave.addr)) < target) await new Promise((resolve) => setTimeout(resolve, 20));
    const ms = performance.now() - from;
    return { bytes: target - (await had()), ms };
  };
  try {
    await cluster.startBroker('broker-a');
    await cluster.startBroker('broker-a-s');
    await admin.createTopic(TOPIC, { queueNums: 4, clusterName: 'DefaultCluster' });
    await producer.start();
    await fill(producer, 64 * 1024 * 1024);

    const had = await maxOffset(slave.addr);
    await cluster.stop('broker-a-s');
    await fill(producer, options.whileStoppedBytes);
    log(`the slave stopped at ${had}; the master took ${(await maxOffset(master.addr)) - had} bytes meanwhile`);
    const stopped = await catchUp(async () => had);
    log(`the restarted slave caught up: ${stopped.bytes} bytes in ${stopped.ms.toFixed(0)} ms`);

    await cluster.stop('broker-a-s');
    rmSync(slave.store, { recursive: true, force: true });
    await fill(producer, options.masterBytes - (await maxOffset(master.addr)));
    const masterBytes = await maxOffset(master.addr);
    const empty = await catchUp(() => minOffset(slave.addr));
    log(`an empty slave against a ${masterBytes}-byte master copied ${empty.bytes} bytes in ${empty.ms.toFixed(0)} ms`);
    return { stopped, empty, masterBytes };
  } finally {
    await producer.shutdown();
    await admin.shutdown();
    await cluster.close();
  }
}
