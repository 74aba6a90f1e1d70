import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { silentLogger } from '@rocketnest/common';
import { DefaultMessageStore } from './default-message-store.js';
import type { RetentionReport } from './message-store.js';
import type { MessageStoreConfig } from './store-config.js';
import { message, tempDir } from './store.test-support.js';

const small: Partial<MessageStoreConfig> = {
  mappedFileSizeCommitLog: 64 * 1024,
  mappedFileSizeConsumeQueue: 20 * 50,
  maxMessageSize: 32 * 1024,
  maxHashSlotNum: 128,
  maxIndexNum: 100,
};

/** A store over root whose disk is as full as usage says (a share, 0 to 1). */
function storeAt(root: string, usage: () => number): DefaultMessageStore {
  return new DefaultMessageStore({ ...small, storePathRootDir: root }, { logger: silentLogger, diskUsage: usage });
}

describe('a store on a full disk', () => {
  it('opens on a disk past diskMaxUsedSpaceRatio: retention first, read-only while past the warning level, writable once space frees', async () => {
    const root = tempDir();
    const first = storeAt(root, () => 0.5);
    await first.start();
    const body = Buffer.alloc(8 * 1024, 'x');
    for (let i = 0; i < 40; i++) assert.equal((await first.putMessage(message('Filled', 0, body))).status, 'PUT_OK');
    await first.shutdown();

    // The disk filled up meanwhile (another file, say): 99% until retention deletes something.
    let usage = 0.99;
    const reports: RetentionReport[] = [];
    const store = storeAt(root, () => usage);
    store.onRetention((report) => {
      reports.push(report);
      usage = 0.95; // still past diskSpaceWarningLevelRatio (90%)
    });
    await store.start();
    after(() => store.shutdown());
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.reason, 'disk');
    assert.ok(reports[0]!.segments.length >= 4, `oldest segments deleted: ${reports[0]!.segments.length}`);
    assert.ok(!existsSync(reports[0]!.segments[0]!));
    assert.equal(store.getMinPhyOffset(), reports[0]!.minOffset);
    // Every queue starts at its first message left.
    assert.ok(store.getMinOffsetInQueue('Filled', 0) > 0);
    assert.equal(store.getMaxOffsetInQueue('Filled', 0), 40);

    const refused = await store.putMessage(message('Filled', 0, 'while full'));
    assert.equal(refused.status, 'SERVICE_NOT_AVAILABLE');
    assert.match(refused.error!, /95\.0% full \(limit diskSpaceWarningLevelRatio 90%\): free space/);
    // The operator frees space: the next retention run takes writes again.
    usage = 0.4;
    store.cleanExpiredFiles();
    assert.equal((await store.putMessage(message('Filled', 0, 'after'))).status, 'PUT_OK');
    assert.equal(store.getMaxOffsetInQueue('Filled', 0), 41);
  });

  it('keeps the abort file when its last writes fail, and the next start recovers from the CommitLog', async () => {
    const root = tempDir();
    const store = storeAt(root, () => 0.5);
    await store.start();
    for (let i = 0; i < 5; i++) await store.putMessage(message('Kept', 0, `m${i}`));
    // A checkpoint that cannot be written, as on a full disk.
    const checkpoint = (store as unknown as { checkpoint: { close(): void } }).checkpoint;
    const close = checkpoint.close.bind(checkpoint);
    checkpoint.close = () => {
      close();
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    await store.shutdown();
    assert.ok(existsSync(join(root, 'abort')), 'the abort file stays');
    const again = storeAt(root, () => 0.5);
    await again.start();
    after(() => again.shutdown());
    assert.equal(again.getMaxOffsetInQueue('Kept', 0), 5);
  });
});
