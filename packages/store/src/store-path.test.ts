import { type Logger } from '@rocketnest/common';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DefaultMessageStore, MemoryMessageStore, StorePathError, type MessageStore } from './index.js';
import { pathUnder, topicQueueDir } from './store-path.js';
import { message, tempDir } from './store.test-support.js';

/** A directory with the store's root and, beside it, a directory of files no store may touch. */
function layout(): { root: string; victim: string } {
  const base = tempDir('rocketnest-path-');
  const victim = join(base, 'victim');
  mkdirSync(victim);
  writeFileSync(join(victim, 'precious.txt'), 'keep me');
  return { root: join(base, 'store'), victim };
}

function assertUntouched(victim: string): void {
  assert.deepEqual(readdirSync(victim), ['precious.txt']);
  assert.equal(readFileSync(join(victim, 'precious.txt'), 'utf8'), 'keep me');
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug() {}, info() {}, warn: (line) => warnings.push(line), error: (line) => warnings.push(line) };
}

describe('the store keeps every path inside its root', () => {
  it('pathUnder takes plain file names only and refuses the rest with a StorePathError', () => {
    const { root } = layout();
    assert.equal(pathUnder(root, 'consumequeue', 'T', '0'), join(root, 'consumequeue', 'T', '0'));
    for (const name of ['', '.', '..', 'a/b', '../x', 'a\\b', 'a\0b', 'n'.repeat(256), 'é'.repeat(128)]) {
      assert.throws(
        () => pathUnder(root, 'consumequeue', name),
        (error: unknown) => error instanceof StorePathError && /must be one plain file name/.test(error.message),
        JSON.stringify(name),
      );
    }
  });

  it('topicQueueDir refuses a topic that breaks the rules of names, saying which', () => {
    const { root } = layout();
    assert.equal(topicQueueDir(root, '%RETRY%orders'), join(root, 'consumequeue', '%RETRY%orders'));
    assert.throws(() => topicQueueDir(root, '%RETRY%../../../../victim'), /no ConsumeQueue for this topic: the topic/);
    assert.throws(() => topicQueueDir(root, 'a b'), StorePathError);
  });

  for (const kind of ['file', 'memory'] as const) {
    it(`${kind} store: a put to a topic that breaks the rules is MESSAGE_ILLEGAL and makes nothing`, async () => {
      const { root, victim } = layout();
      const store: MessageStore =
        kind === 'file'
          ? new DefaultMessageStore({ storePathRootDir: root }, { logger: recordingLogger() })
          : new MemoryMessageStore();
      await store.start();
      after(() => store.shutdown());
      for (const topic of ['%RETRY%../../../../victim', '../victim', 'a\0b', 'T'.repeat(128)]) {
        const result = await store.putMessage(message(topic, 0, 'x'));
        assert.equal(result.status, 'MESSAGE_ILLEGAL', topic);
        assert.match(result.error!, /the topic name/);
      }
      assert.equal((await store.putMessage(message('Fine', 0, 'x'))).status, 'PUT_OK');
      assert.deepEqual([...store.queues().keys()], ['Fine']);
      assertUntouched(victim);
    });
  }

  it('deleteTopics refuses a bad name before deleting anything', async () => {
    const { root, victim } = layout();
    const store = new DefaultMessageStore({ storePathRootDir: root }, { logger: recordingLogger() });
    await store.start();
    after(() => store.shutdown());
    await store.putMessage(message('Kept', 0, 'x'));
    assert.throws(() => store.deleteTopics(['Kept', '../../victim']), StorePathError);
    assert.throws(() => store.deleteTopics(['%RETRY%../../../../victim']), StorePathError);
    assert.equal(store.getMaxOffsetInQueue('Kept', 0), 1);
    assertUntouched(victim);
  });

  it('names on disk that break the rules, and links, are reported at start and never followed', async () => {
    const { root, victim } = layout();
    const first = new DefaultMessageStore({ storePathRootDir: root }, { logger: recordingLogger() });
    await first.start();
    await first.putMessage(message('Good', 0, 'one'));
    await first.putMessage(message('QQ', 0, 'two'));
    await first.shutdown();
    // What another program might leave: a directory with a bad name, a link out of the store,
    // and a record whose topic is ".." (the same bytes as "QQ", changed on disk).
    const queues = join(root, 'consumequeue');
    mkdirSync(join(queues, 'bad name', '0'), { recursive: true });
    writeFileSync(join(queues, 'bad name', '0', 'notes'), 'hands off');
    symlinkSync(victim, join(queues, 'Linked'));
    const commitLog = join(root, 'commitlog', '00000000000000000000');
    const bytes = readFileSync(commitLog);
    const at = bytes.indexOf(Buffer.from([2, 0x51, 0x51]));
    assert.ok(at > 0);
    bytes.write('..', at + 1, 'latin1');
    writeFileSync(commitLog, bytes);
    rmSync(join(queues, 'QQ'), { recursive: true });
    rmSync(join(queues, 'Good'), { recursive: true });

    const logger = recordingLogger();
    const reopened = new DefaultMessageStore({ storePathRootDir: root }, { logger });
    await reopened.start();
    after(() => reopened.shutdown());
    assert.ok(logger.warnings.some((line) => /bad name is not a ConsumeQueue directory .*has " "/.test(line)));
    assert.ok(logger.warnings.some((line) => /Linked is not a ConsumeQueue directory .*it is a link/.test(line)));
    assert.ok(logger.warnings.some((line) => /the topic name "\.\." has "\." .*stay in the CommitLog/.test(line)));
    assert.deepEqual([...reopened.queues().keys()], ['Good']);
    assert.equal(reopened.getMaxOffsetInQueue('Good', 0), 1);
    reopened.cleanExpiredFiles({ force: true });
    assert.equal(readFileSync(join(queues, 'bad name', '0', 'notes'), 'utf8'), 'hands off');
    assert.ok(existsSync(join(queues, 'Linked')));
    assertUntouched(victim);
  });
});
