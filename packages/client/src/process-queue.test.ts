import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProcessQueue } from './process-queue.js';
import type { ReceivedMessage } from './received-message.js';

function message(queueOffset: number): ReceivedMessage {
  return { queueOffset, body: Buffer.alloc(1 + (queueOffset % 5)) } as ReceivedMessage;
}

/** What a ProcessQueue must answer, kept the plainest way. */
class Model {
  held = new Map<number, ReceivedMessage>();
  end = -1;
  add(messages: ReceivedMessage[]): void {
    for (const m of messages) if (!this.held.has(m.queueOffset)) this.held.set(m.queueOffset, m);
    for (const m of messages) this.end = Math.max(this.end, m.queueOffset + 1);
  }
  sorted(): ReceivedMessage[] {
    return [...this.held.values()].sort((a, b) => a.queueOffset - b.queueOffset);
  }
  commitOffset(): number {
    return this.held.size > 0 ? this.sorted()[0]!.queueOffset : this.end;
  }
}

function assertSame(queue: ProcessQueue, model: Model, step: number): void {
  assert.equal(queue.count, model.held.size, `count at step ${step}`);
  assert.equal(
    queue.bytes,
    model.sorted().reduce((sum, m) => sum + m.body.length, 0),
    `bytes at step ${step}`,
  );
  assert.equal(queue.commitOffset(), model.commitOffset(), `commit offset at step ${step}`);
  assert.deepEqual(
    queue.first(5).map((m) => m.queueOffset),
    model
      .sorted()
      .slice(0, 5)
      .map((m) => m.queueOffset),
    `first(5) at step ${step}`,
  );
}

test('commits up to the lowest message still held, whatever order batches finish in', () => {
  const queue = new ProcessQueue();
  assert.equal(queue.commitOffset(), -1, 'nothing pulled yet');
  queue.add([0, 1, 2, 3, 4, 5].map(message));
  assert.equal(queue.remove([message(3), message(4)]), 0, 'offset 0 is still being consumed');
  assert.equal(queue.remove([message(0)]), 1);
  assert.equal(queue.remove([message(1), message(2)]), 5);
  assert.deepEqual(
    queue.first(10).map((m) => m.queueOffset),
    [5],
  );
  assert.equal(queue.remove([message(5)]), 6, 'all consumed: past the last pulled');
  queue.advance(9);
  assert.equal(queue.commitOffset(), 9, 'filtered offsets need no consuming');
  assert.equal(queue.remove([message(5)]), 9, 'a message removed twice changes nothing');
});

test('behaves as the plain model under random pulls, out-of-order finishes and pulls again from behind', () => {
  let state = 7;
  const next = () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) | 0;
    return (state >>> 8) / 2 ** 24;
  };
  const queue = new ProcessQueue();
  const model = new Model();
  let pulled = 0;
  for (let step = 0; step < 20_000; step++) {
    const roll = next();
    if (roll < 0.35) {
      // A pull: consecutive offsets, some filtered out.
      const batch = [];
      for (let i = 0; i < 1 + Math.floor(next() * 40); i++, pulled++) if (next() < 0.8) batch.push(message(pulled));
      queue.add(batch);
      model.add(batch);
    } else if (roll < 0.38) {
      // Pulled again from an earlier offset (an offset reset): some are held still, some done.
      const from = Math.max(0, pulled - Math.floor(next() * 3000));
      const batch = [];
      for (let offset = from; offset < Math.min(pulled, from + 30); offset++) batch.push(message(offset));
      queue.add(batch);
      model.add(batch);
    } else if (model.held.size > 0) {
      // A batch finishes: some held messages, anywhere, and one never held.
      const held = [...model.held.values()];
      const done = [message(pulled + 5)];
      for (let i = 0; i < 1 + Math.floor(next() * 8); i++) done.push(held[Math.floor(next() * held.length)]!);
      queue.remove(done);
      for (const m of done) model.held.delete(m.queueOffset);
    }
    if (step % 50 === 0) assertSame(queue, model, step);
  }
  assertSame(queue, model, -1);
});

test('a long run of consumed messages at the head is cut off without losing what is held', () => {
  const queue = new ProcessQueue();
  queue.add(Array.from({ length: 3000 }, (_, i) => message(i)));
  for (let offset = 0; offset < 2000; offset += 100) {
    queue.remove(Array.from({ length: 100 }, (_, i) => message(offset + i)));
  }
  assert.equal(queue.count, 1000);
  assert.equal(queue.commitOffset(), 2000);
  assert.deepEqual(
    queue.first(3).map((m) => m.queueOffset),
    [2000, 2001, 2002],
  );
  queue.add([message(1500), message(3000)]);
  assert.equal(queue.commitOffset(), 1500, 'pulled again from behind');
  assert.equal(queue.remove([message(1500), message(2000)]), 2001);
  assert.equal(queue.count, 1000);
});
