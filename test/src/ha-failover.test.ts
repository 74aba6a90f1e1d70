import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { temporaryDir } from './support/cluster.js';
import { failover } from './ha/failover.js';

// Short versions of npm run test:ha's failovers: brokers as processes, killed with SIGKILL.
describe('failover of a master/slave pair (processes, SIGKILL)', () => {
  it('SYNC_MASTER + SYNC_FLUSH, machine lost: every acknowledged message is consumed from the slave, and after promotion the group goes on from its offsets', async () => {
    const figures = await failover({ mode: 'SYNC', messages: 2000, loss: 'machine', dir: temporaryDir() });
    assert.equal(figures.lost, 0);
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
