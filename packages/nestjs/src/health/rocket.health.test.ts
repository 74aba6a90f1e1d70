import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { MessageProducer } from '../message-producer.js';
import { RocketConnection } from '../rocket-connection.js';
import { RocketListener } from '../rocket-listener.decorator.js';
import { RocketModule } from '../rocket.module.js';
import { RocketHealthIndicator } from './rocket.health.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@rocketnest/common';
import { BrokerController, type BrokerConfig } from '@rocketnest/broker';
import type { BrokerMember } from '@rocketnest/client';
import { NamesrvController } from '@rocketnest/namesrv';

@Injectable()
class SlowListener {
  release: () => void = () => {};
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));

  @RocketListener('Backlog', '*', { group: 'slow', consumeFrom: 'first', concurrency: 1 })
  async handle() {
    await this.gate;
  }
}

@Module({
  imports: [RocketModule.forRoot({ isGlobal: true }), TerminusModule],
  providers: [RocketHealthIndicator, SlowListener],
})
class HealthModule {}

describe('RocketHealthIndicator', () => {
  it('reports the broker reachable, consumer lag degraded above the threshold, and down once the broker stops', async () => {
    const app = await NestFactory.createApplicationContext(HealthModule, { logger: false });
    try {
      const health = app.get(RocketHealthIndicator);
      const reachable = await health.isReachable('rocketmq', 1000);
      assert.equal(reachable['rocketmq'].status, 'up');
      const producer = app.get(MessageProducer);
      for (let i = 0; i < 5; i++) await producer.send('Backlog', { i });
      const lagging = await health.consumerLag('lag', 2);
      assert.equal(lagging['lag'].status, 'degraded');
      assert.ok((lagging['lag'] as unknown as { groups: Record<string, number> }).groups['slow']! >= 3);
      app.get(SlowListener).release();
      await app.get(RocketConnection).embeddedBroker!.controller!.shutdown();
      const down = await health.isReachable('rocketmq', 300);
      assert.equal(down['rocketmq'].status, 'down');
    } finally {
      await app.close();
    }
  });

  it('lists every broker of a cluster, the slave too, with its role and replication lag', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rocketnest-health-'));
    const namesrv = new NamesrvController({ listenPort: 0, bindAddress: '127.0.0.1' }, { logger: silentLogger });
    const broker = (name: string, settings: Partial<BrokerConfig>) =>
      new BrokerController(
        {
          broker: { listenPort: 0, bindAddress: '127.0.0.1', namesrvAddr: namesrv.address, ...settings },
          store: { storePathRootDir: join(dir, name), mappedFileSizeCommitLog: 1024 * 1024 },
        },
        { logger: silentLogger, remotingLogger: silentLogger, storeLogger: silentLogger },
      );
    await namesrv.start();
    const master = broker('master', { brokerRole: 'SYNC_MASTER' });
    await master.start();
    const slave = broker('slave', { brokerId: 1, brokerRole: 'SLAVE' });
    await slave.start();
    @Module({
      imports: [RocketModule.forRoot({ namesrvAddr: namesrv.address }), TerminusModule],
      providers: [RocketHealthIndicator],
    })
    class ClusterHealthModule {}
    const app = await NestFactory.createApplicationContext(ClusterHealthModule, { logger: false });
    try {
      const health = app.get(RocketHealthIndicator);
      const reachable = await health.isReachable('rocketmq', 1000);
      assert.equal(reachable['rocketmq'].status, 'up');
      const brokers = (reachable['rocketmq'] as unknown as { brokers: BrokerMember[] }).brokers;
      assert.deepEqual(
        brokers.map(({ brokerName, brokerId, role, address }) => ({ brokerName, brokerId, role, address })),
        [
          { brokerName: 'broker-a', brokerId: 0, role: 'SYNC_MASTER', address: master.brokerAddr },
          { brokerName: 'broker-a', brokerId: 1, role: 'SLAVE', address: slave.brokerAddr },
        ],
      );
      assert.equal(typeof brokers[1]!.replicationLagBytes, 'number');
      // Without its slave the cluster stays reachable through its master.
      await slave.shutdown();
      await master.registerToNamesrvs();
      const without = await health.isReachable('rocketmq', 1000);
      assert.equal(without['rocketmq'].status, 'up');
    } finally {
      await app.close();
      await slave.shutdown();
      await master.shutdown();
      await namesrv.shutdown();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
