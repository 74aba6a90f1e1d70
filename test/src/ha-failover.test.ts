import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { temporaryDir } from './support/cluster.js';
import { slaveCatchUp } from './ha/catch-up.js';
import { failover } from './ha/failover.js';
import { killLoop } from './ha/kill-loop.js';

// Short versions of npm run test:ha's scenarios: brokers as processes, killed with SIGKILL.
describe('failover of a master/slave pair (processes, SIGKILL)', () => {
  it('SYNC_MASTER + SYNC_FLUSH, machine lost: every acknowledged message is consumed from the slave, and after promotion the group goes on from its offsets', async () => {
    const figures = await failover({ mode: 'SYNC', messages: 2000, loss: 'machine', dir: temporaryDir() });
    assert.equal(figures.lost, 0);
    // More than the consumer could hold when the master died (4 queues, each at most 50 and a pull of 32).
    assert.ok(figures.afterLoss > 4 * (50 + 32), `${figures.afterLoss} received after the master's loss`);
    assert.equal(figures.afterwards, 200);
    assert.equal(figures.duplicatesAfter, 0);
    assert.match(figures.promoteOutput, /is its SYNC_MASTER, brokerId 0/);
  });

  it('ASYNC_MASTER, process lost (store kept): nothing acknowledged is lost', async () => {
    const figures = await failover({ mode: 'ASYNC', messages: 2000, loss: 'process', dir: temporaryDir() });
    assert.equal(figures.lost, 0);
    assert.equal(figures.afterwards, 200);
    assert.equal(figures.duplicatesAfter, 0);
  });
});

describe('catch-up and a 2m-2s kill loop (processes, SIGKILL)', () => {
  it('a slave stopped while its master takes 32 MiB, and an empty slave, catch up', async () => {
    const figures = await slaveCatchUp({
      whileStoppedBytes: 32 * 1024 * 1024,
      masterBytes: 160 * 1024 * 1024,
      dir: temporaryDir(),
    });
    assert.ok(figures.stopped.bytes >= 32 * 1024 * 1024);
    assert.equal(figures.empty.bytes, figures.masterBytes);
  });

  it('2m-2s-sync: each broker in turn SIGKILLed and restarted; every acknowledged message is consumed', async () => {
    const figures = await killLoop({ example: '2m-2s-sync', seconds: 10, downMs: 1500, dir: temporaryDir() });
    assert.ok(figures.kills >= 3);
    assert.ok(figures.acknowledged > 0);
    assert.equal(figures.lost, 0);
    assert.ok((figures.lastSecondsByBroker['broker-a'] ?? 0) > 0 && (figures.lastSecondsByBroker['broker-b'] ?? 0) > 0);
  });
});
