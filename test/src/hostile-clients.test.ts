import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostileClients } from './abuse/hostile-clients.js';
import { temporaryDir } from './support/cluster.js';

describe('hostile clients (short; npm run test:abuse runs thousands of connections)', () => {
  it('300 connections and 3,000 mutated frames leave a real producer and consumer losing nothing', async () => {
    const figures = await hostileClients({
      connections: 300,
      frames: 3000,
      messages: 300,
      dir: temporaryDir(),
      log: () => {},
    });
    assert.equal(figures.brokerAlive, true);
    assert.equal(figures.acknowledged, 300);
    assert.equal(figures.lost, 0);
    assert.ok(figures.framesSent >= 3000);
    assert.ok(figures.connectionsOpened >= 300, `connections opened: ${figures.connectionsOpened}`);
    assert.ok(figures.brokerRssMaxMiB < 512, `broker RSS ${figures.brokerRssMaxMiB} MiB`);
  });
});
