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
});
