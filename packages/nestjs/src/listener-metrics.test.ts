import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { register } from 'prom-client';
import { DeadLetter } from './outcomes.js';
import { RocketListener } from './rocket-listener.decorator.js';
import { RocketTestHarness, RocketTestingModule } from './testing/rocket-testing.module.js';

@Injectable()
class Invoices {
  @RocketListener('Invoices', '*', { group: 'billing', consumeFrom: 'first', retryDelayMs: 10 })
  bill(invoice: { amount: number; tries?: number }) {
    if (invoice.amount < 0) return DeadLetter('a negative amount');
    return undefined;
  }
}

describe('listener metrics in the app registry', () => {
  it("count each listener's messages by outcome and time its calls, in prom-client's default registry", async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [RocketTestingModule.forRoot()],
      providers: [Invoices],
    })
      .setLogger({ log() {}, warn() {}, error() {} })
      .compile();
    await moduleRef.init();
    try {
      const harness = moduleRef.get(RocketTestHarness);
      for (const amount of [10, 20, -1]) await (await harness.publish('Invoices', { amount })).settled();
      const text = await register.metrics();
      const labels = 'topic="Invoices",consumer_group="billing",listener="Invoices.bill"';
      assert.match(text, new RegExp(`rocketmq_consumer_messages_total\\{${labels},outcome="acknowledged"\\} 2`));
      assert.match(text, new RegExp(`rocketmq_consumer_messages_total\\{${labels},outcome="dead-lettered"\\} 1`));
      assert.match(
        text,
        new RegExp(`rocketmq_process_time_seconds_count\\{${labels},invocation_status="success"\\} 2`),
      );
      assert.match(
        text,
        new RegExp(`rocketmq_process_time_seconds_count\\{${labels},invocation_status="failure"\\} 1`),
      );
    } finally {
      await moduleRef.close();
    }
  });
});
