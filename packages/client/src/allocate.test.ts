import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allocateAveragely,
  allocateAveragelyByCircle,
  allocateByConfig,
  allocateByMachineRoom,
  allocateConsistentHash,
  type AllocateStrategy,
} from './allocate.js';
import type { MessageQueue } from './topic-route.js';

const queues = (count: number, brokerName = 'b'): MessageQueue[] =>
  Array.from({ length: count }, (_, queueId) => ({ topic: 'T', brokerName, queueId }));
const ids = (result: MessageQueue[]) => result.map((q) => `${q.brokerName}:${q.queueId}`);

/** Every queue to exactly one client. */
function assertPartition(strategy: AllocateStrategy, all: MessageQueue[], clients: string[]): MessageQueue[][] {
  const shares = clients.map((client) => strategy('G', client, all, clients));
  assert.deepEqual(ids(shares.flat()).sort(), ids(all).sort());
  return shares;
}

describe('queue allocation strategies', () => {
  it('averagely: contiguous runs, the first clients one more', () => {
    const shares = assertPartition(allocateAveragely, queues(8), ['c1', 'c2', 'c3']);
    assert.deepEqual(shares.map(ids), [
      ['b:0', 'b:1', 'b:2'],
      ['b:3', 'b:4', 'b:5'],
      ['b:6', 'b:7'],
    ]);
    assert.deepEqual(allocateAveragely('G', 'c4', queues(2), ['c1', 'c2', 'c3', 'c4']), []);
  });

  it('by circle: every n-th queue', () => {
    const shares = assertPartition(allocateAveragelyByCircle, queues(8), ['c1', 'c2', 'c3']);
    assert.deepEqual(shares.map(ids), [
      ['b:0', 'b:3', 'b:6'],
      ['b:1', 'b:4', 'b:7'],
      ['b:2', 'b:5'],
    ]);
  });

  it('by config and by machine room', () => {
    assert.deepEqual(ids(allocateByConfig(queues(2))('G', 'any', queues(8), ['any'])), ['b:0', 'b:1']);
    const all = [...queues(3, 'hz@broker-a'), ...queues(3, 'sh@broker-b')];
    const shares = [0, 1].map((i) => allocateByMachineRoom(['hz'])('G', `c${i}`, all, ['c0', 'c1']));
    assert.deepEqual(shares.map(ids), [['hz@broker-a:0', 'hz@broker-a:2'], ['hz@broker-a:1']]);
  });

  it('consistent hash: a partition that mostly stays put when a client joins', () => {
    const all = queues(32);
    const before = assertPartition(allocateConsistentHash(), all, ['c1', 'c2']);
    const after = assertPartition(allocateConsistentHash(), all, ['c1', 'c2', 'c3']);
    // Queues never move between the clients that stayed: they only go to the newcomer.
    for (const [i, share] of after.slice(0, 2).entries()) {
      for (const queue of ids(share)) assert.ok(ids(before[i]!).includes(queue), `${queue} moved between old clients`);
    }
  });
});
