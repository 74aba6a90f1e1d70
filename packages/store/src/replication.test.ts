import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { silentLogger } from '@rocketnest/common';
import { decodeStoredMessages, type MessageToStore } from '@rocketnest/protocol';
import { DefaultMessageStore } from './index.js';
import { message, tempDir } from './store.test-support.js';

/** Small segments, so that records cross from one to the next behind END_FILE blanks. */
async function open(segmentSize = 64 * 1024): Promise<DefaultMessageStore> {
  const root = tempDir('rocketnest-replica-');
  const store = new DefaultMessageStore(
    { storePathRootDir: root, mappedFileSizeCommitLog: segmentSize, maxMessageSize: 16 * 1024 },
    { logger: silentLogger },
  );
  await store.start();
  after(() => store.shutdown());
  return store;
}

/** Messages of two topics and queues, bodies of 100 to 3,100 bytes. */
function numbered(i: number): MessageToStore {
  const body = Buffer.alloc(100 + ((i * 997) % 3000), i % 251);
  return message(i % 3 === 0 ? 'Orders' : 'Payments', i % 2, body, { TAGS: `t${i % 4}`, KEYS: `order-${i}` });
}

/** Copy the master's log to the slave in chunks of chunkSize, as HA transfers do. */
async function replicate(master: DefaultMessageStore, slave: DefaultMessageStore, chunkSize: number): Promise<void> {
  for (;;) {
    const offset = slave.getMaxPhyOffset();
    const chunk = master.readReplica(offset, chunkSize);
    if (chunk.length === 0) return;
    await slave.appendReplica(offset, chunk);
  }
}

const bodies = (store: DefaultMessageStore, topic: string, queueId: number) =>
  decodeStoredMessages(store.getMessage(topic, queueId, 0, 1000).body).map((m) => m.body.toString('hex'));

const commitLog = (store: DefaultMessageStore) => {
  const dir = store.config.storePathCommitLog;
  return Buffer.concat(
    readdirSync(dir)
      .sort()
      .map((name) => readFileSync(join(dir, name))),
  );
};

describe('replication of the CommitLog (HA transfer, store side)', () => {
  it('a slave that appends the master’s bytes in any chunks has the same log, queues and index', async () => {
    const master = await open();
    for (let i = 0; i < 300; i++) assert.equal((await master.putMessage(numbered(i))).status, 'PUT_OK');
    const slave = await open();
    // 5,000-byte chunks cut records in two, and reach each segment's blank and filler.
    await replicate(master, slave, 5000);
    assert.equal(slave.getMaxPhyOffset(), master.getMaxPhyOffset());
    await master.shutdown();
    await slave.shutdown();
    assert.ok(commitLog(master).equals(commitLog(slave)), 'the logs differ');
  });

  it('serves the replicated messages from its ConsumeQueues and index, and again after a restart', async () => {
    const master = await open();
    for (let i = 0; i < 120; i++) await master.putMessage(numbered(i));
    const slave = await open();
    await replicate(master, slave, 777);
    for (const [topic, queueId] of [
      ['Orders', 0],
      ['Orders', 1],
      ['Payments', 0],
      ['Payments', 1],
    ] as const) {
      assert.deepEqual(bodies(slave, topic, queueId), bodies(master, topic, queueId), `${topic} ${queueId}`);
    }
    assert.equal(slave.queryMessage('Orders', 'order-9', 10, 0, Date.now() + 1000).messages.length, 1);
    const reopened = new DefaultMessageStore(slave.config, { logger: silentLogger });
    await slave.shutdown();
    await reopened.start();
    after(() => reopened.shutdown());
    assert.deepEqual(bodies(reopened, 'Payments', 1), bodies(master, 'Payments', 1));
    // More from the master continues where the restarted slave ended.
    for (let i = 120; i < 150; i++) await master.putMessage(numbered(i));
    await replicate(master, reopened, 4096);
    assert.deepEqual(bodies(reopened, 'Orders', 0), bodies(master, 'Orders', 0));
  });

  it('refuses bytes at another offset than where its log ends, and bytes that are not records', async () => {
    const master = await open();
    await master.putMessage(numbered(1));
    const slave = await open();
    await assert.rejects(slave.appendReplica(100, master.readReplica(0, 4096)), /but this log ends at 0/);
    await assert.rejects(slave.appendReplica(0, Buffer.alloc(64, 0xab)), /are not a record/);
    // Nothing was kept of the refused bytes: the master's log still goes in from 0.
    await replicate(master, slave, 4096);
    assert.equal(slave.getMaxPhyOffset(), master.getMaxPhyOffset());
  });

  it('a slave that becomes a master drops a record cut by the master’s loss and appends after the last whole one', async () => {
    const master = await open();
    for (let i = 0; i < 40; i++) await master.putMessage(numbered(i));
    const slave = await open();
    await replicate(master, slave, 3000);
    // The master is lost while sending the next record: the slave got its first 50 bytes only.
    const cutAt = master.getMaxPhyOffset();
    await master.putMessage(numbered(40));
    await slave.appendReplica(cutAt, master.readReplica(cutAt, 50));
    assert.equal(slave.getMaxPhyOffset(), cutAt + 50);
    assert.equal(await slave.endReplication(), cutAt);
    assert.equal(slave.getMaxPhyOffset(), cutAt);
    const put = await slave.putMessage(numbered(41));
    assert.equal(put.status, 'PUT_OK');
    assert.equal(put.appendResult!.wroteOffset, cutAt);
    const payments = decodeStoredMessages(slave.getMessage('Payments', 1, 0, 1000).body);
    assert.equal(payments.at(-1)!.body.toString('hex'), numbered(41).body.toString('hex'));
    assert.equal(payments.length, 14);
  });

  it('a slave stopped in the middle of a record goes on after a restart from its last whole record', async () => {
    const master = await open();
    for (let i = 0; i < 60; i++) await master.putMessage(numbered(i));
    const slave = await open();
    await slave.appendReplica(0, master.readReplica(0, 20_000));
    // The flushes run meanwhile, and the checkpoint takes a safe offset: it must be a record's start.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await slave.shutdown();
    const reopened = new DefaultMessageStore(slave.config, { logger: silentLogger });
    await reopened.start();
    after(() => reopened.shutdown());
    assert.ok(reopened.getMaxPhyOffset() < 20_000);
    await replicate(master, reopened, 5000);
    assert.equal(reopened.getMaxPhyOffset(), master.getMaxPhyOffset());
    assert.deepEqual(bodies(reopened, 'Payments', 1), bodies(master, 'Payments', 1));
  });
});
