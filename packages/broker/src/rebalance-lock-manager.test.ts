import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RebalanceLockManager } from './rebalance-lock-manager.js';

describe('RebalanceLockManager', () => {
  it('lets only the holder have a queue until it releases it or the lock expires after 60 s', () => {
    const locks = new RebalanceLockManager();
    const queue = { topic: 'T', brokerName: 'broker-a', queueId: 1 };
    assert.deepEqual(locks.tryLockBatch('g', [queue], 'client-a', 1000), [queue]);
    assert.deepEqual(locks.tryLockBatch('g', [queue], 'client-b', 30_000), []);
    assert.deepEqual(locks.tryLockBatch('other-group', [queue], 'client-b', 30_000), [queue], 'per group');
    assert.deepEqual(locks.tryLockBatch('g', [queue], 'client-a', 50_000), [queue], 'renewed');
    assert.deepEqual(locks.tryLockBatch('g', [queue], 'client-b', 110_000), [], 'renewal counts from 50 s');
    assert.deepEqual(locks.tryLockBatch('g', [queue], 'client-b', 110_001), [queue], 'expired: taken over');
    locks.unlockBatch('g', [queue], 'client-a');
    assert.deepEqual(locks.tryLockBatch('g', [queue], 'client-a', 110_002), [], 'client-a cannot release it now');
    locks.unlockBatch('g', [queue], 'client-b');
    assert.deepEqual(locks.tryLockBatch('g', [queue], 'client-a', 110_003), [queue]);
  });
});
