import { silentLogger } from '@rocketnest/common';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeProperties, decodeStoredMessage, decodeStoredMessages, KEY_SEPARATOR } from '@rocketnest/protocol';
import { DefaultMessageStore } from './index.js';

const fixtures = fileURLToPath(new URL('../fixtures/golden/', import.meta.url));
const golden = JSON.parse(readFileSync(join(fixtures, 'store-index.json'), 'utf8')) as GoldenIndex;

interface GoldenRecord {
  physicalOffset: number;
  totalSize: number;
  topic: string;
  queueId: number;
  queueOffset: number;
  sysFlag: number;
  bodyCRC: number;
  storeTimestamp: number;
  properties: Record<string, string>;
}

interface GoldenSent {
  topic: string;
  keys?: string;
  msgId?: string;
  acked: boolean;
  storedAt?: { physicalOffset: number; topic: string }[];
}

interface GoldenIndex {
  storeCleanFiles: {
    commitLogRecords: GoldenRecord[];
    commitLogDataEnd: number;
    consumeQueues: Record<string, { path: string; entries: [number, number, number][]; firstQueueOffset: number }>;
    maxQueueOffsetsInConsumeQueues: Record<string, number>;
  };
  sentClean: GoldenSent[];
  sentCrashed: (GoldenSent & { storedDespiteNoAck?: boolean })[];
  recoveryByRealBroker: {
    commitLogDataEndInFiles: number;
    perQueue: Record<string, { brokerMaxOffsetAfterRecovery: number; brokerMinOffsetAfterRecovery: number }>;
    /** Offsets found, or RocketMQ's "not found" text for keys of messages that were never stored. */
    indexLookupsAfterRecovery: Record<string, number[] | string>;
  };
}

/** The settings the golden stores were written with. */
const goldenSettings = {
  mappedFileSizeCommitLog: 1024 * 1024,
  mappedFileSizeConsumeQueue: 6000,
  maxHashSlotNum: 64,
  maxIndexNum: 256,
  maxMessageSize: 512 * 1024,
  flushDiskType: 'SYNC_FLUSH' as const,
};

function copyOf(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `rocketnest-${name}-`));
  cpSync(join(fixtures, name), dir, { recursive: true });
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function open(root: string): Promise<DefaultMessageStore> {
  const store = new DefaultMessageStore({ ...goldenSettings, storePathRootDir: root }, { logger: silentLogger });
  await store.start();
  return store;
}

/** Read a whole queue through getMessage, as a consumer would, and return the record offsets. */
function readQueue(store: DefaultMessageStore, topic: string, queueId: number): number[] {
  const offsets: number[] = [];
  let offset = store.getMinOffsetInQueue(topic, queueId);
  for (;;) {
    const result = store.getMessage(topic, queueId, offset, 32);
    if (result.status !== 'FOUND') break;
    for (const message of decodeStoredMessages(result.body)) offsets.push(message.physicalOffset);
    offset = result.nextBeginOffset;
  }
  return offsets;
}

/** What the client does with QUERY_MESSAGE results: keep the records that really carry the key. */
function lookUp(store: DefaultMessageStore, topic: string, key: string): number[] {
  return store
    .queryMessage(topic, key, 64, 0, Number.MAX_SAFE_INTEGER)
    .messages.map((record) => decodeStoredMessage(record))
    .filter((message) => {
      const properties = decodeProperties(message.properties);
      return properties.get('UNIQ_KEY') === key || (properties.get('KEYS') ?? '').split(KEY_SEPARATOR).includes(key);
    })
    .map((message) => message.physicalOffset);
}

describe('a store written by Apache RocketMQ 4.9.4 and stopped cleanly', () => {
  const files = golden.storeCleanFiles;

  it('opens without recovery and reads back every record, queue and key it lists', async () => {
    const root = copyOf('store-clean');
    const store = await open(root);
    after(() => store.shutdown());
    assert.equal(store.getMaxPhyOffset(), files.commitLogDataEnd);
    assert.equal(files.commitLogRecords.length, 517);
    for (const expected of files.commitLogRecords) {
      const record = store.lookMessageByOffset(expected.physicalOffset);
      assert.ok(record, `no record at ${expected.physicalOffset}`);
      const message = decodeStoredMessage(record);
      assert.equal(message.totalSize, expected.totalSize);
      assert.equal(message.topic, expected.topic);
      assert.equal(message.queueId, expected.queueId);
      assert.equal(message.queueOffset, expected.queueOffset);
      assert.equal(message.bodyCRC, expected.bodyCRC);
      assert.equal(message.storeTimestamp, expected.storeTimestamp);
      assert.deepEqual(Object.fromEntries(decodeProperties(message.properties)), expected.properties);
    }
    for (const [queue, maxOffset] of Object.entries(files.maxQueueOffsetsInConsumeQueues)) {
      const [topic, id] = queue.split('/') as [string, string];
      assert.equal(store.getMaxOffsetInQueue(topic, Number(id)), maxOffset, `max offset of ${queue}`);
    }
    // Every ConsumeQueue reads back, through getMessage, the records its entries point at.
    const byQueue = new Map<string, number[]>();
    for (const cq of Object.values(files.consumeQueues)) {
      const [, topic, id] = cq.path.split('/') as [string, string, string];
      const key = `${topic}/${id}`;
      byQueue.set(key, [...(byQueue.get(key) ?? []), ...cq.entries.map(([offset]) => offset)]);
    }
    for (const [key, offsets] of byQueue) {
      const [topic, id] = key.split('/') as [string, string];
      if (topic === 'SCHEDULE_TOPIC_XXXX') continue;
      assert.deepEqual(readQueue(store, topic, Number(id)), offsets, key);
    }
    // Lookups by key and by unique key, as QUERY_MESSAGE does them.
    let lookups = 0;
    for (const sent of golden.sentClean) {
      const stored = sent.storedAt?.find((place) => place.topic === sent.topic);
      if (!sent.acked || !stored) continue;
      for (const key of [...(sent.keys ?? '').split(' ').filter(Boolean), sent.msgId!]) {
        assert.ok(lookUp(store, sent.topic, key).includes(stored.physicalOffset), `${sent.topic}#${key}`);
        lookups++;
      }
    }
    assert.ok(lookups > 500, `${lookups} lookups`);
  });

  it('leaves the CommitLog byte for byte as it was after opening and closing it', async () => {
    const root = copyOf('store-clean');
    const store = await open(root);
    await store.shutdown();
    for (const name of readdirSync(join(fixtures, 'store-clean', 'commitlog'))) {
      const before = readFileSync(join(fixtures, 'store-clean', 'commitlog', name));
      const now = readFileSync(join(root, 'commitlog', name));
      assert.ok(before.equals(now), `commitlog/${name} changed`);
    }
    assert.equal(existsSync(join(root, 'abort')), false);
  });
});

describe('a store written by Apache RocketMQ 4.9.4 and killed with SIGKILL', () => {
  const recovered = golden.recoveryByRealBroker;

  it('recovers to exactly what RocketMQ itself recovered', async () => {
    const root = copyOf('store-crashed');
    assert.ok(existsSync(join(root, 'abort')));
    const store = await open(root);
    after(() => store.shutdown());
    assert.equal(store.getMaxPhyOffset(), recovered.commitLogDataEndInFiles);
    for (const [queue, expected] of Object.entries(recovered.perQueue)) {
      const [topic, id] = queue.split('/') as [string, string];
      assert.equal(
        store.getMaxOffsetInQueue(topic, Number(id)),
        expected.brokerMaxOffsetAfterRecovery,
        `max of ${queue}`,
      );
      assert.equal(
        store.getMinOffsetInQueue(topic, Number(id)),
        expected.brokerMinOffsetAfterRecovery,
        `min of ${queue}`,
      );
    }
    const lookups = Object.entries(recovered.indexLookupsAfterRecovery);
    assert.ok(lookups.length >= 100);
    let found = 0;
    for (const [indexKey, offsets] of lookups) {
      const [topic, key] = indexKey.split('#') as [string, string];
      const expected = typeof offsets === 'string' ? [] : [...offsets].sort((a, b) => a - b);
      assert.deepEqual(
        lookUp(store, topic, key).sort((a, b) => a - b),
        expected,
        indexKey,
      );
      if (expected.length > 0) found++;
    }
    assert.ok(found > 50, `${found} keys found`);
    // The two messages stored though their sender never heard so are kept.
    const unacked = golden.sentCrashed.filter((sent) => sent.storedDespiteNoAck);
    assert.equal(unacked.length, 2);
    for (const sent of unacked) assert.ok(store.lookMessageByOffset(sent.storedAt![0]!.physicalOffset));
    // The preallocated, empty third segment is gone, as RocketMQ deleted it.
    assert.deepEqual(readdirSync(join(root, 'commitlog')).sort(), ['00000000000000000000', '00000000000001048576']);
  });
});
