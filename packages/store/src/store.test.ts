import { silentLogger } from '@rocketnest/common';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
  utimesSync,
  writeFileSync,
  writevSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  BLANK_MAGIC_CODE,
  decodeOffsetMessageId,
  decodeStoredMessages,
  javaStringHashCode,
  type StoredMessage,
} from '@rocketnest/protocol';
import {
  DefaultMessageStore,
  diskUsedRatio,
  MemoryMessageStore,
  storeConfigFromProperties,
  type MessageFilter,
  type MessageStore,
  type MessageStoreConfig,
} from './index.js';
import { message, tempDir } from './store.test-support.js';

/** Small files, so that segments roll over within a test. */
const small: Partial<MessageStoreConfig> = {
  mappedFileSizeCommitLog: 128 * 1024,
  mappedFileSizeConsumeQueue: 20 * 50,
  maxMessageSize: 32 * 1024,
  maxHashSlotNum: 128,
  maxIndexNum: 100,
};

function readAll(store: MessageStore, topic: string, queueId: number, from = 0): StoredMessage[] {
  const messages: StoredMessage[] = [];
  let offset = from;
  for (;;) {
    const result = store.getMessage(topic, queueId, offset, 32);
    if (result.status !== 'FOUND' && result.status !== 'NO_MATCHED_MESSAGE') break;
    messages.push(...decodeStoredMessages(result.body));
    offset = result.nextBeginOffset;
  }
  return messages;
}

/**
 * Queue 0 of topic Spread with, between its records, none (batches, one after another), one, a
 * few, or over 16 KiB of queue 1's (read apart); 3 KiB bodies now and then, so that segments of
 * 128 KiB end in blanks. Returns queue 0's bodies.
 */
async function putSpread(store: MessageStore): Promise<string[]> {
  const sent: string[] = [];
  for (let i = 0; i < 240; i++) {
    const body = `q0 ${i} `.padEnd(i % 9 === 0 ? 3000 : 40 + (i % 13), '.');
    sent.push(body);
    if (i % 10 < 4) {
      assert.equal((await store.putMessages([message('Spread', 0, body)])).status, 'PUT_OK');
      continue;
    }
    assert.equal((await store.putMessage(message('Spread', 0, body))).status, 'PUT_OK');
    const others = [1, 0, 3, 20][i % 4]!;
    for (let j = 0; j < others; j++) await store.putMessage(message('Spread', 1, Buffer.alloc(1000, j)));
  }
  assert.ok(store.getMaxPhyOffset() > 3 * 128 * 1024, 'several segments');
  return sent;
}

/** Queue 0 of Spread reads back as sent, and with a record filter that takes every third message. */
function checkSpreadReads(store: MessageStore, sent: string[]): void {
  assert.deepEqual(
    readAll(store, 'Spread', 0).map((m) => m.body.toString()),
    sent,
  );
  const every3rd: MessageFilter = {
    isMatchedByConsumeQueue: () => true,
    isMatchedByCommitLog: (record) => Number(decodeStoredMessages(record)[0]!.body.toString().split(' ')[1]) % 3 === 0,
  };
  const matched: string[] = [];
  let offset = 0;
  while (offset < store.getMaxOffsetInQueue('Spread', 0)) {
    const result = store.getMessage('Spread', 0, offset, 32, every3rd);
    assert.ok(result.nextBeginOffset > offset);
    if (result.status === 'FOUND') {
      const messages = decodeStoredMessages(result.body);
      assert.equal(messages.length, result.messageCount);
      matched.push(...messages.map((m) => m.body.toString()));
    }
    offset = result.nextBeginOffset;
  }
  assert.deepEqual(
    matched,
    sent.filter((_, i) => i % 3 === 0),
  );
}

const stores: [string, () => Promise<MessageStore>][] = [
  [
    'file store',
    async () => {
      const store = new DefaultMessageStore({ ...small, storePathRootDir: tempDir() }, { logger: silentLogger });
      await store.start();
      after(() => store.shutdown());
      return store;
    },
  ],
  [
    'memory store',
    async () => {
      const store = new MemoryMessageStore(small);
      await store.start();
      return store;
    },
  ],
];

for (const [name, open] of stores) {
  describe(`${name}: what every store does`, () => {
    it("reads a queue whose records lie among other queues' records, near and far, in batches and across segments", async () => {
      const store = await open();
      checkSpreadReads(store, await putSpread(store));
    });

    it('appends to queues and reads each back in order, byte for byte, with consecutive offsets', async () => {
      const store = await open();
      const sent: Record<number, string[]> = { 0: [], 1: [] };
      for (let i = 0; i < 200; i++) {
        const queueId = i % 2;
        const body = `message ${i} `.repeat(1 + (i % 7));
        sent[queueId]!.push(body);
        const result = await store.putMessage(
          message('T', queueId, body, { TAGS: i % 3 === 0 ? 'TagA' : 'TagB', KEYS: `k${i}`, UNIQ_KEY: `U${i}` }),
        );
        assert.equal(result.status, 'PUT_OK', result.error);
        assert.equal(result.appendResult!.queueOffset, Math.floor(i / 2));
        const id = decodeOffsetMessageId(result.appendResult!.msgId);
        assert.equal(id.physicalOffset, result.appendResult!.wroteOffset);
        assert.equal(id.storeHost, '127.0.0.1:10911');
      }
      for (const queueId of [0, 1]) {
        const read = readAll(store, 'T', queueId);
        assert.deepEqual(
          read.map((m) => m.body.toString()),
          sent[queueId],
        );
        assert.deepEqual(
          read.map((m) => m.queueOffset),
          [...Array(100).keys()],
        );
        assert.equal(store.getMaxOffsetInQueue('T', queueId), 100);
        assert.equal(store.getMinOffsetInQueue('T', queueId), 0);
      }
      const first = store.getMessage('T', 0, 0, 1);
      assert.equal(first.messageCount, 1);
      assert.deepEqual(store.lookMessageByOffset(decodeStoredMessages(first.body)[0]!.physicalOffset), first.body);
    });

    it('answers out-of-range reads as RocketMQ does', async () => {
      const store = await open();
      assert.equal(store.getMessage('none', 0, 0, 32).status, 'NO_MATCHED_LOGIC_QUEUE');
      for (let i = 0; i < 3; i++) await store.putMessage(message('R', 0, `r${i}`));
      const at = (offset: number) => store.getMessage('R', 0, offset, 32);
      assert.deepEqual([at(3).status, at(3).nextBeginOffset], ['OFFSET_OVERFLOW_ONE', 3]);
      assert.deepEqual([at(9).status, at(9).nextBeginOffset], ['OFFSET_OVERFLOW_BADLY', 0]);
      assert.deepEqual([at(1).status, at(1).messageCount, at(1).nextBeginOffset, at(1).maxOffset], ['FOUND', 2, 3, 3]);
    });

    it('filters by tag code and moves past what it skipped', async () => {
      const store = await open();
      for (let i = 0; i < 10; i++)
        await store.putMessage(message('F', 0, `f${i}`, { TAGS: i === 7 ? 'TagA' : 'TagB' }));
      const onlyA = { isMatchedByConsumeQueue: (code: number) => code === javaStringHashCode('TagA') };
      const found = store.getMessage('F', 0, 0, 32, onlyA);
      assert.equal(found.status, 'FOUND');
      assert.deepEqual(
        decodeStoredMessages(found.body).map((m) => m.body.toString()),
        ['f7'],
      );
      assert.equal(found.nextBeginOffset, 10);
      const none = store.getMessage('F', 0, 8, 32, onlyA);
      assert.deepEqual([none.status, none.nextBeginOffset], ['NO_MATCHED_MESSAGE', 10]);
    });

    it('finds offsets by time, the earliest store time, and messages by key and unique key', async () => {
      const store = await open();
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const result = await store.putMessage(
          message('S', 0, `s${i}`, { KEYS: `order-${i} shared`, UNIQ_KEY: `UNIQ${i}` }),
        );
        times.push(result.appendResult!.storeTimestamp);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      assert.equal(store.getOffsetInQueueByTime('S', 0, times[2]!), 2);
      assert.equal(store.getOffsetInQueueByTime('S', 0, times[0]! - 1000), 0);
      assert.equal(store.getOffsetInQueueByTime('S', 0, times[4]! + 1000), 4);
      assert.equal(store.getEarliestMessageTime('S', 0), times[0]);
      assert.equal(store.getOffsetInQueueByTime('missing', 0, times[0]!), 0);
      const byKey = store.queryMessage('S', 'order-3', 32, 0, Number.MAX_SAFE_INTEGER);
      assert.deepEqual(
        byKey.messages.map((r) => decodeStoredMessages(r)[0]!.body.toString()),
        ['s3'],
      );
      assert.equal(store.queryMessage('S', 'shared', 32, 0, Number.MAX_SAFE_INTEGER).messages.length, 5);
      assert.equal(store.queryMessage('S', 'UNIQ4', 32, 0, Number.MAX_SAFE_INTEGER).messages.length, 1);
      assert.equal(store.queryMessage('S', 'order-3', 32, times[4]! + 1, Number.MAX_SAFE_INTEGER).messages.length, 0);
    });

    it('stores a batch contiguously with consecutive queue offsets', async () => {
      const store = await open();
      await store.putMessage(message('B', 0, 'before'));
      const result = await store.putMessages([0, 1, 2].map((i) => message('B', 0, `batch ${i}`)));
      assert.equal(result.status, 'PUT_OK');
      assert.equal(result.appendResult!.queueOffset, 1);
      assert.equal(result.appendResult!.msgNum, 3);
      assert.equal(result.appendResult!.msgId.split(',').length, 3);
      assert.deepEqual(
        readAll(store, 'B', 0).map((m) => m.body.toString()),
        ['before', 'batch 0', 'batch 1', 'batch 2'],
      );
      const mixed = await store.putMessages([message('B', 0, 'x'), message('B', 1, 'y')]);
      assert.equal(mixed.status, 'MESSAGE_ILLEGAL');
    });

    it('refuses a message over maxMessageSize with a clear error, and keeps working', async () => {
      const store = await open();
      const result = await store.putMessage(message('L', 0, Buffer.alloc(32 * 1024 + 1)));
      assert.equal(result.status, 'MESSAGE_ILLEGAL');
      assert.match(result.error!, /body of 32769 bytes is over maxMessageSize 32768/);
      assert.equal((await store.putMessage(message('L', 0, 'fits'))).status, 'PUT_OK');
      const properties = await store.putMessage(message('L', 0, 'x', { BIG: 'p'.repeat(40_000) }));
      assert.equal(properties.status, 'PROPERTIES_SIZE_EXCEEDED');
    });

    it('tells arrival listeners the new max offset of the queue', async () => {
      const store = await open();
      const arrivals: string[] = [];
      store.onMessageArrival((a) => arrivals.push(`${a.topic}/${a.queueId}@${a.maxOffset}`));
      await store.putMessage(message('A', 2, 'a'));
      await store.putMessage(message('A', 2, 'b'));
      assert.deepEqual(arrivals, ['A/2@1', 'A/2@2']);
    });
  });
}

describe('file store', () => {
  it("reads records spread among other queues' from the files, as from memory, after a restart", async () => {
    const storePathRootDir = tempDir();
    const first = new DefaultMessageStore({ ...small, storePathRootDir }, { logger: silentLogger });
    await first.start();
    const sent = await putSpread(first);
    await first.shutdown();
    // A new store keeps nothing in memory: every read goes to the segment files.
    const store = new DefaultMessageStore({ ...small, storePathRootDir }, { logger: silentLogger });
    await store.start();
    after(() => store.shutdown());
    checkSpreadReads(store, sent);
  });

  it('rolls segments over, fills each tail with the END_FILE blank, and reads across them', async () => {
    const root = tempDir();
    const store = new DefaultMessageStore({ ...small, storePathRootDir: root }, { logger: silentLogger });
    await store.start();
    const bodies: string[] = [];
    for (let i = 0; i < 60; i++) {
      const body = `${i}:`.padEnd(7000 + i * 37, 'x');
      bodies.push(body);
      assert.equal((await store.putMessage(message('Roll', 0, body))).status, 'PUT_OK');
    }
    assert.deepEqual(
      readAll(store, 'Roll', 0).map((m) => m.body.toString()),
      bodies,
    );
    await store.shutdown();
    const segments = readdirSync(join(root, 'commitlog')).sort();
    assert.ok(segments.length >= 3, `${segments.length} segments`);
    assert.deepEqual(segments.slice(0, 2), ['00000000000000000000', '00000000000000131072']);
    // Segment 0 ends with a blank record covering its tail; no record spans two segments.
    const first = readFileSync(join(root, 'commitlog', segments[0]!));
    let at = 0;
    while (first.readInt32BE(at + 4) !== BLANK_MAGIC_CODE) at += first.readInt32BE(at);
    assert.equal(first.readInt32BE(at), first.length - at);
    // The ConsumeQueue rolled over too (50 entries per file).
    assert.deepEqual(readdirSync(join(root, 'consumequeue', 'Roll', '0')).sort(), [
      '00000000000000000000',
      '00000000000000001000',
    ]);
    // Reopened, everything is there and appends continue where they stopped.
    const reopened = new DefaultMessageStore({ ...small, storePathRootDir: root }, { logger: silentLogger });
    await reopened.start();
    after(() => reopened.shutdown());
    assert.equal((await reopened.putMessage(message('Roll', 0, 'after restart'))).appendResult!.queueOffset, 60);
    assert.deepEqual(
      readAll(reopened, 'Roll', 0).map((m) => m.body.toString()),
      [...bodies, 'after restart'],
    );
    assert.equal(reopened.queryMessage('Roll', 'missing', 10, 0, Date.now()).messages.length, 0);
  });

  it('rolls over when a record leaves exactly 8 bytes, the blank alone, and the next record of the round starts the next segment', async () => {
    const root = tempDir();
    const segment = small.mappedFileSizeCommitLog!;
    const store = new DefaultMessageStore({ ...small, storePathRootDir: root }, { logger: silentLogger });
    await store.start();
    after(() => store.shutdown());
    const first = (await store.putMessage(message('Edge', 0, 'a')))!.appendResult!;
    const overhead = first.wroteBytes - 1; // a record's bytes beyond its body, the same for every body here
    // Fill the segment up to 8 bytes before its end, in records under maxMessageSize.
    let end = first.wroteOffset + first.wroteBytes;
    while (segment - end > 8) {
      const room = segment - end - 8;
      const body = Math.min(room - overhead, 20_000);
      if (body < 1) break;
      const put = (await store.putMessage(message('Edge', 0, 'f'.repeat(body)))).appendResult!;
      end = put.wroteOffset + put.wroteBytes;
    }
    assert.equal(segment - end, 8, 'the segment has just room for the END_FILE blank');
    // Two puts of one round: the first writes the blank and starts the next segment, the second follows it.
    const [next, after1] = await Promise.all([
      store.putMessage(message('Edge', 0, 'next')),
      store.putMessage(message('Edge', 0, 'after')),
    ]);
    assert.equal(next.status, 'PUT_OK');
    assert.equal(after1.status, 'PUT_OK');
    assert.equal(next.appendResult!.wroteOffset, segment);
    assert.deepEqual(
      readAll(store, 'Edge', 0)
        .slice(-2)
        .map((m) => m.body.toString()),
      ['next', 'after'],
    );
  });

  it('rebuilds missing ConsumeQueues from the CommitLog', async () => {
    const root = tempDir();
    const store = new DefaultMessageStore({ ...small, storePathRootDir: root }, { logger: silentLogger });
    await store.start();
    for (let i = 0; i < 30; i++) await store.putMessage(message(`Q${i % 3}`, i % 2, `m${i}`, { KEYS: `key${i}` }));
    await store.shutdown();
    rmSync(join(root, 'consumequeue'), { recursive: true });
    rmSync(join(root, 'index'), { recursive: true });
    const reopened = new DefaultMessageStore({ ...small, storePathRootDir: root }, { logger: silentLogger });
    await reopened.start();
    after(() => reopened.shutdown());
    assert.deepEqual(
      readAll(reopened, 'Q0', 0).map((m) => m.body.toString()),
      ['m0', 'm6', 'm12', 'm18', 'm24'],
    );
    assert.equal(reopened.getMaxOffsetInQueue('Q1', 1), 5);
    assert.equal(reopened.queryMessage('Q2', 'key29', 10, 0, Date.now()).messages.length, 1);
  });

  /**
   * A crash image: the files as a killed process leaves them (page cache included), copied
   * while the store runs; the store is then shut down and the copy opened.
   */
  async function crashImage(
    config: Partial<MessageStoreConfig>,
    prepare: (store: DefaultMessageStore) => Promise<void>,
  ): Promise<string> {
    const root = tempDir();
    const store = new DefaultMessageStore(
      {
        ...config,
        storePathRootDir: root,
        flushIntervalCommitLog: 20,
        flushCommitLogLeastPages: 0,
        flushIntervalConsumeQueue: 20,
      },
      { logger: silentLogger },
    );
    await store.start();
    await prepare(store);
    const image = tempDir();
    cpSync(root, image, { recursive: true });
    await store.shutdown();
    return image;
  }

  /** Open a crash image; returns the store and the line recovery logged. */
  async function recover(
    config: Partial<MessageStoreConfig>,
    root: string,
  ): Promise<{ store: DefaultMessageStore; recoveryLine: string }> {
    const warnings: string[] = [];
    const store = new DefaultMessageStore(
      { ...config, storePathRootDir: root },
      { logger: { ...silentLogger, warn: (m) => warnings.push(m) } },
    );
    await store.start();
    after(() => store.shutdown());
    return { store, recoveryLine: warnings.find((w) => w.startsWith('unclean shutdown')) ?? '' };
  }

  /** Wait for the flushes to write a checkpoint whose safe offset (bytes 48..56) is `offset`. */
  async function checkpointNames(store: DefaultMessageStore, offset: number): Promise<void> {
    const path = join(store.config.storePathRootDir, 'checkpoint');
    for (let waited = 0; readFileSync(path).readUInt32BE(52) !== offset; waited += 10) {
      if (waited > 10_000) assert.fail(`the checkpoint never named safe offset ${offset}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  const keys = (i: number) => ({ KEYS: `key${i}`, UNIQ_KEY: `UNIQ${i}` });

  /** 40 messages made safe by the flushes, then 10 more that only the page cache holds. */
  async function safeThenTail(store: DefaultMessageStore, onSafe = () => {}): Promise<number> {
    for (let i = 0; i < 40; i++) await store.putMessage(message('Safe', i % 2, `early${i}`, keys(i)));
    const safeEnd = store.getMaxPhyOffset();
    await checkpointNames(store, safeEnd);
    onSafe();
    // The tail is stored in later milliseconds than what the checkpoint names.
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (let i = 40; i < 50; i++) await store.putMessage(message('Safe', i % 2, `late${i}`, keys(i)));
    return safeEnd;
  }

  function assertAllFoundOnce(store: DefaultMessageStore): void {
    const bodies = [...readAll(store, 'Safe', 0), ...readAll(store, 'Safe', 1)].map((m) => m.body.toString());
    assert.equal(bodies.length, 50);
    // Every key once: the rescan indexed nothing twice and lost nothing.
    for (let i = 0; i < 50; i++) {
      assert.equal(store.queryMessage('Safe', `key${i}`, 10, 0, Date.now()).messages.length, 1, `key${i}`);
      assert.equal(store.queryMessage('Safe', `UNIQ${i}`, 10, 0, Date.now()).messages.length, 1, `UNIQ${i}`);
    }
  }

  it("recovers after a crash from the checkpoint's safe offset, rescanning only the tail", async () => {
    const config = { ...small, maxIndexNum: 1000 };
    let safeEnd = 0;
    const root = await crashImage(config, async (store) => {
      safeEnd = await safeThenTail(store);
    });
    const { store, recoveryLine } = await recover(config, root);
    assert.match(recoveryLine, new RegExp(`recovered 10 records from CommitLog offset ${safeEnd},`));
    assertAllFoundOnce(store);
  });

  it('rebuilds an index file that filled up after the last checkpoint from where it began', async () => {
    // 99 entries per file: the first fills during the tail. The crash comes before any
    // checkpoint after the tail: the image gets the checkpoint as it was before it.
    let checkpoint = Buffer.alloc(0);
    const root = await crashImage(small, async (store) => {
      await safeThenTail(store, () => (checkpoint = readFileSync(join(store.config.storePathRootDir, 'checkpoint'))));
    });
    writeFileSync(join(root, 'checkpoint'), checkpoint);
    const { store, recoveryLine } = await recover(small, root);
    assert.match(recoveryLine, /recovered 50 records from CommitLog offset 0,/);
    assertAllFoundOnce(store);
  });

  it('ignores the safe offset when another broker wrote the checkpoint since, and rescans whole segments', async () => {
    const root = await crashImage(small, async (store) => {
      for (let i = 0; i < 20; i++) await store.putMessage(message('Other', 0, `m${i}`, { KEYS: `k${i}` }));
      await checkpointNames(store, store.getMaxPhyOffset());
    });
    // RocketMQ rewrites its own fields and leaves the bytes after them as they were.
    const checkpoint = readFileSync(join(root, 'checkpoint'));
    checkpoint.writeUInt32BE(1, 4);
    writeFileSync(join(root, 'checkpoint'), checkpoint);
    const { store, recoveryLine } = await recover(small, root);
    assert.match(recoveryLine, /recovered 20 records from CommitLog offset 0,/);
    assert.equal(readAll(store, 'Other', 0).length, 20);
    assert.equal(store.queryMessage('Other', 'k7', 10, 0, Date.now()).messages.length, 1);
  });

  /** A store whose first CommitLog write on the event loop is slow and whose first write on the pool hangs until released. */
  function throttledDiskStore(transientStorePoolEnable: boolean) {
    const disk = { release: undefined as (() => void) | undefined, slowWrites: 0, poolWrites: 0 };
    let slowOnce = true;
    const store = new DefaultMessageStore(
      {
        ...small,
        // Room for records over the 64 KiB that are always written on the event loop.
        mappedFileSizeCommitLog: 512 * 1024,
        maxMessageSize: 96 * 1024,
        storePathRootDir: tempDir(),
        osPageCacheBusyTimeOutMills: 50,
        transientStorePoolEnable,
      },
      {
        logger: silentLogger,
        writeCommitLog: {
          writeSync: (fd, buffers, position) => {
            if (slowOnce) {
              // A throttled page cache: this copy takes 30 ms.
              slowOnce = false;
              disk.slowWrites++;
              const until = performance.now() + 30;
              while (performance.now() < until);
            }
            return writevSync(fd, buffers as Uint8Array[], position);
          },
          write: async (fd, buffers, position) => {
            disk.poolWrites++;
            if (disk.release === undefined) await new Promise<void>((resolve) => (disk.release = resolve));
            return writevSync(fd, buffers as Uint8Array[], position);
          },
        },
      },
    );
    return { store, disk };
  }

  async function assertBusyWhileStalled(store: DefaultMessageStore, disk: { release: (() => void) | undefined }) {
    // A round above 64 KiB goes to the (stalled) pool.
    const first = store.putMessage(message('Busy', 0, Buffer.alloc(70_000, 1)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(disk.release, 'the large round went to the pool');
    const refused = await store.putMessage(message('Busy', 0, 'while stalled'));
    assert.equal(refused.status, 'OS_PAGECACHE_BUSY');
    assert.match(
      refused.error!,
      /\[PC_SYNCHRONIZED\]broker busy.*a CommitLog write has taken \d+ ms \(osPageCacheBusyTimeOutMills 50\)/,
    );
    disk.release!();
    assert.equal((await first).status, 'PUT_OK');
    assert.equal((await store.putMessage(message('Busy', 0, 'after'))).status, 'PUT_OK');
  }

  it('writes rounds on the event loop until one is slow, then on the pool, where a stall is answered with OS_PAGECACHE_BUSY', async () => {
    const { store, disk } = throttledDiskStore(false);
    await store.start();
    after(() => store.shutdown());
    // A large round is written here while the disk keeps up; this one is slow.
    assert.equal((await store.putMessage(message('Busy', 0, Buffer.alloc(70_000, 2)))).status, 'PUT_OK');
    assert.deepEqual([disk.slowWrites, disk.poolWrites], [1, 0]);
    // From the slow write on, large rounds go to the pool, which stalls.
    await assertBusyWhileStalled(store, disk);
    assert.equal(disk.poolWrites > 0, true);
    assert.deepEqual(
      readAll(store, 'Busy', 0).map((m) => m.body.length),
      [70_000, 70_000, 5],
    );
  });

  it('lets the event loop turn while answered puts make more puts at once', async () => {
    const store = new DefaultMessageStore({ ...small, storePathRootDir: tempDir() }, { logger: silentLogger });
    await store.start();
    after(() => store.shutdown());
    let timerFired = false;
    setTimeout(() => (timerFired = true), 1);
    const body = Buffer.alloc(1024, 1);
    // Each batch holds more than the 64 KiB at which a round on the pool starts writing early;
    // a round written on this thread waits for its end, so timers (flushes, checkpoints) run.
    for (let round = 0; round < 50 && !timerFired; round++) {
      await Promise.all(Array.from({ length: 100 }, () => store.putMessage(message('Loop', 0, body))));
    }
    assert.ok(timerFired, 'a 1 ms timer fired while batches of puts followed one another');
  });

  it('with transientStorePoolEnable writes large rounds on the pool from the start', async () => {
    const { store, disk } = throttledDiskStore(true);
    await store.start();
    after(() => store.shutdown());
    // No slow write came first: the first large round went to the pool.
    await assertBusyWhileStalled(store, disk);
    assert.deepEqual(
      readAll(store, 'Busy', 0).map((m) => m.body.length),
      [70_000, 5],
    );
  });

  it('with transientStorePoolEnable writes rounds up to 64 KiB on the event loop, without a hand-over to the pool', async () => {
    const { store, disk } = throttledDiskStore(true);
    await store.start();
    after(() => store.shutdown());
    // Two records of 30,000 bytes in one round: 60 KiB, written here although the pool stalls.
    const puts = [0, 1].map(() => store.putMessage(message('Mid', 0, Buffer.alloc(30_000, 3))));
    assert.deepEqual(
      (await Promise.all(puts)).map((r) => r.status),
      ['PUT_OK', 'PUT_OK'],
    );
    assert.equal(disk.poolWrites, 0);
    assert.equal(disk.release, undefined);
  });

  it('answers SYNC_FLUSH puts once fsynced, many puts sharing one fsync', async () => {
    const root = tempDir();
    const store = new DefaultMessageStore(
      { ...small, storePathRootDir: root, flushDiskType: 'SYNC_FLUSH' },
      { logger: silentLogger },
    );
    await store.start();
    after(() => store.shutdown());
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, i) => store.putMessage(message('Sync', i % 4, `s${i}`))),
    );
    assert.ok(results.every((r) => r.status === 'PUT_OK'));
    assert.ok(store.commitLogFsyncs < 100, `${store.commitLogFsyncs} fsyncs for 500 puts`);
    assert.ok(store.commitLogFsyncs >= 1);
  });

  it("measures disk use as df's Use% does, not counting the root reserve as used", () => {
    const dir = tempDir();
    // df prints used and available bytes; Use% is used / (used + available).
    const [used, available] = execFileSync('df', ['-B1', '--output=used,avail', dir], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .at(-1)!
      .trim()
      .split(/\s+/)
      .map(Number) as [number, number];
    const ratio = diskUsedRatio(dir);
    // Other processes write meanwhile: allow a small drift between the two readings.
    assert.ok(
      Math.abs(ratio - used / (used + available)) < 0.005,
      `${ratio} against df's ${used} / ${used + available}`,
    );
    const { blocks, bavail } = statfsSync(dir);
    assert.ok(ratio <= 1 - bavail / blocks + 1e-9, 'the reserve does not count as used');
  });

  it('deletes segments past fileReservedTime, oldest first, never the newest, and moves queue starts', async () => {
    const root = tempDir();
    let now = Date.now();
    // An hour that is not this one: at 04:00 a fixed '04' made the first clean delete.
    const deleteWhen = String((new Date(now).getHours() + 12) % 24).padStart(2, '0');
    const store = new DefaultMessageStore(
      { ...small, storePathRootDir: root, fileReservedTime: 1, deleteWhen },
      { logger: silentLogger, now: () => now, diskUsage: () => 0.1 },
    );
    await store.start();
    after(() => store.shutdown());
    for (let i = 0; i < 60; i++) await store.putMessage(message('Old', 0, 'o'.repeat(7000), { KEYS: `old${i}` }));
    const segments = readdirSync(join(root, 'commitlog')).sort();
    assert.ok(segments.length >= 3);
    // Age every segment but the newest by two hours.
    for (const name of segments.slice(0, -1)) {
      const old = (now - 2 * 3_600_000) / 1000;
      utimesSync(join(root, 'commitlog', name), old, old);
    }
    assert.deepEqual(store.cleanExpiredFiles(), [], 'nothing goes outside the deleteWhen hour');
    const deleted = store.cleanExpiredFiles({ force: true });
    assert.equal(deleted.length, segments.length - 1);
    assert.deepEqual(readdirSync(join(root, 'commitlog')), segments.slice(-1));
    const minPhysical = Number(segments.at(-1));
    assert.equal(store.getMinPhyOffset(), minPhysical);
    const min = store.getMinOffsetInQueue('Old', 0);
    assert.ok(min > 0);
    assert.equal(store.getMessage('Old', 0, 0, 32).status, 'OFFSET_TOO_SMALL');
    const rest = readAll(store, 'Old', 0, min);
    assert.ok(rest.length > 0 && rest.every((m) => m.physicalOffset >= minPhysical));
    assert.equal(rest.length, 60 - min);
    // A fresh segment is not old: at the next run nothing more goes.
    now += 1000;
    assert.deepEqual(store.cleanExpiredFiles({ force: true }), []);
    assert.ok(statSync(join(root, 'commitlog', segments.at(-1)!)).size > 0);
  });

  it('reads the newest 8 MiB of records from memory and older ones from the files', async () => {
    const root = tempDir();
    const segmentSize = 4 * 1024 * 1024;
    const store = new DefaultMessageStore(
      { ...small, storePathRootDir: root, mappedFileSizeCommitLog: segmentSize, maxMessageSize: 64 * 1024 },
      { logger: silentLogger },
    );
    await store.start();
    after(() => store.shutdown());
    const offsets: number[] = [];
    for (let i = 0; i < 640; i++) {
      const put = await store.putMessage(message('Recent', 0, `${i}:`.padEnd(16 * 1024, 'r')));
      offsets.push(put.appendResult!.wroteOffset);
    }
    // Records written into reused slabs read back intact, from memory and from the files.
    assert.deepEqual(
      readAll(store, 'Recent', 0).map((m) => m.body.toString().split(':')[0]),
      offsets.map((_, i) => String(i)),
    );
    // Zero the first 100 bytes of a record in its segment file, behind the store's back.
    const zeroOnDisk = (physicalOffset: number) => {
      const segment = join(
        root,
        'commitlog',
        String(physicalOffset - (physicalOffset % segmentSize)).padStart(20, '0'),
      );
      const bytes = readFileSync(segment);
      bytes.fill(0, physicalOffset % segmentSize, (physicalOffset % segmentSize) + 100);
      writeFileSync(segment, bytes);
    };
    const bodyAt = (queueOffset: number) => {
      const result = store.getMessage('Recent', 0, queueOffset, 1);
      assert.equal(result.status, 'FOUND');
      return result.body;
    };
    // The last record, and one 8 MiB back in an older segment, come from memory.
    for (const queueOffset of [639, 639 - 500]) {
      zeroOnDisk(offsets[queueOffset]!);
      assert.equal(decodeStoredMessages(bodyAt(queueOffset))[0]!.body.toString().split(':')[0], String(queueOffset));
    }
    // The first record is over 10 MiB back: read from the file, it shows what the file holds.
    zeroOnDisk(offsets[0]!);
    assert.equal(bodyAt(0).readInt32BE(0), 0);
  });

  it('refuses writes cleanly when the disk is full, loses nothing written, and takes writes again after', async () => {
    const root = tempDir();
    let full = false;
    let usage = 0.5;
    const store = new DefaultMessageStore(
      { ...small, storePathRootDir: root },
      {
        logger: silentLogger,
        diskUsage: () => usage,
        writeCommitLog: {
          writeSync: (fd, buffers, position) => {
            if (full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
            return writevSync(fd, buffers as Uint8Array[], position);
          },
          write: async (fd, buffers, position) => {
            if (full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
            return writevSync(fd, buffers as Uint8Array[], position);
          },
        },
      },
    );
    await store.start();
    after(() => store.shutdown());
    for (let i = 0; i < 5; i++) assert.equal((await store.putMessage(message('Full', 0, `ok${i}`))).status, 'PUT_OK');
    full = true;
    const refused = await Promise.all([
      store.putMessage(message('Full', 0, 'lost1')),
      store.putMessage(message('Full', 0, 'lost2')),
    ]);
    for (const result of refused) {
      assert.equal(result.status, 'SERVICE_NOT_AVAILABLE');
      assert.match(result.error!, /disk .* is full \(ENOSPC\); free space or lower fileReservedTime/);
    }
    full = false;
    const after1 = await store.putMessage(message('Full', 0, 'ok5'));
    assert.equal(after1.status, 'PUT_OK');
    assert.equal(after1.appendResult!.queueOffset, 5, 'the failed puts took no queue offsets');
    assert.deepEqual(
      readAll(store, 'Full', 0).map((m) => m.body.toString()),
      ['ok0', 'ok1', 'ok2', 'ok3', 'ok4', 'ok5'],
    );
    // Above diskSpaceWarningLevelRatio the store refuses writes until the disk has room again.
    usage = 0.95;
    store.cleanExpiredFiles();
    const over = await store.putMessage(message('Full', 0, 'no'));
    assert.equal(over.status, 'SERVICE_NOT_AVAILABLE');
    assert.match(over.error!, /95\.0% full \(limit diskSpaceWarningLevelRatio 90%\)/);
    usage = 0.5;
    store.cleanExpiredFiles();
    assert.equal((await store.putMessage(message('Full', 0, 'yes'))).status, 'PUT_OK');
  });
});

describe('store configuration', () => {
  it('reads broker.conf names, accepts the old one-p spelling with a warning, and names bad values', () => {
    const warnings: string[] = [];
    const config = storeConfigFromProperties(
      {
        storePathRootDir: '/data/store',
        mapedFileSizeCommitLog: '1048576',
        flushDiskType: 'SYNC_FLUSH',
        fileReservedTime: '48',
        brokerName: 'b',
      },
      (w) => warnings.push(w),
    );
    assert.equal(config.mappedFileSizeCommitLog, 1048576);
    assert.equal(config.storePathCommitLog, '/data/store/commitlog');
    assert.equal(config.flushDiskType, 'SYNC_FLUSH');
    assert.equal(config.fileReservedTime, 48);
    assert.match(warnings.join(), /"mapedFileSizeCommitLog" is the old spelling of "mappedFileSizeCommitLog"/);
    assert.match(warnings.join(), /maxMessageSize 4194304 \(\+64 KiB of headers\) is larger than a CommitLog segment/);
    const both = storeConfigFromProperties(
      { mapedFileSizeCommitLog: '1048576', mappedFileSizeCommitLog: '2097152' },
      (w) => warnings.push(w),
    );
    assert.equal(both.mappedFileSizeCommitLog, 2097152);
    assert.throws(
      () => storeConfigFromProperties({ maxMessageSize: 'big' }, () => {}),
      /maxMessageSize must be a non-negative number, got "big"/,
    );
    assert.throws(
      () => storeConfigFromProperties({ flushDiskType: 'SOMETIMES' }, () => {}),
      /flushDiskType must be ASYNC_FLUSH or SYNC_FLUSH/,
    );
    assert.throws(() => storeConfigFromProperties({ mappedFileSizeConsumeQueue: '1001' }, () => {}), /multiple of 20/);
    assert.throws(() => storeConfigFromProperties({ deleteWhen: '25' }, () => {}), /deleteWhen must be hours 0-23/);
  });
});
