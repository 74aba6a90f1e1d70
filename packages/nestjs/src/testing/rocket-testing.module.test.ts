import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { IsEmail } from 'class-validator';
import { Retry } from '../outcomes.js';
import { RocketListener } from '../rocket-listener.decorator.js';
import { RocketTestHarness, RocketTestingModule } from './rocket-testing.module.js';

class SignUp {
  @IsEmail()
  email!: string;
}

@Injectable()
class Welcomer {
  private readonly failed = new Set<string>();

  @RocketListener('SignUps', '*', { consumeFrom: 'first', maxReconsumeTimes: 2 })
  welcome(signUp: SignUp) {
    if (signUp.email.startsWith('flaky') && !this.failed.has(signUp.email)) {
      this.failed.add(signUp.email);
      throw new Error('mail server hiccup');
    }
    if (signUp.email.startsWith('down')) return Retry.after(5);
    return undefined;
  }
}

@Injectable()
class SlowRetry {
  private tries = 0;

  @RocketListener('Slow', '*', { group: 'slow', consumeFrom: 'first', retryDelayMs: 300 })
  handle() {
    if (this.tries++ === 0) throw new Error('first try fails');
  }
}

/** Two groups on one topic: one acknowledges at once, the other dead-letters after retries. */
@Injectable()
class Ledger {
  @RocketListener('Payments', '*', { group: 'ledger', consumeFrom: 'first' })
  record() {
    return undefined;
  }
}

@Injectable()
class Fraud {
  @RocketListener('Payments', '*', { group: 'fraud', consumeFrom: 'first', maxReconsumeTimes: 1 })
  screen() {
    throw new Error('screening service down');
  }
}

describe('RocketTestingModule', () => {
  it('publishes to a listener and awaits its outcome: acknowledged, retried, dead-lettered', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [RocketTestingModule.forRoot()],
      providers: [Welcomer, SlowRetry],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const harness = app.get(RocketTestHarness);
      const fine = await harness.publish('SignUps', { email: 'ann@example.com' });
      assert.equal(await fine.outcome(), 'acknowledged');
      const flaky = await harness.publish('SignUps', { email: 'flaky@example.com' });
      assert.equal(await flaky.outcome(), 'retried');
      assert.equal(await flaky.settled(), 'acknowledged');
      const invalid = await harness.publish('SignUps', { email: 'not an email' });
      assert.equal(await invalid.settled(), 'dead-lettered');
      assert.equal(invalid.attempts.length, 1);
      const slow = await harness.publish('Slow', 'x');
      assert.equal(await slow.settled(), 'acknowledged');
      const [first, second] = slow.attempts;
      assert.equal(first!.outcome, 'retried');
      assert.ok(second!.at - first!.at >= 300, 'retryDelayMs spaces the retry');
      const down = await harness.publish('SignUps', { email: 'down@example.com' });
      assert.equal(await down.settled(), 'dead-lettered');
      assert.deepEqual(
        down.attempts.map((a) => `${a.reconsumeTimes}:${a.outcome}`),
        ['0:retried', '1:retried', '2:dead-lettered'],
      );
    } finally {
      await app.close();
    }
  });

  it('reports per listener when several get a message, and says which to name', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [RocketTestingModule.forRoot()],
      providers: [Ledger, Fraud],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const payment = await app.get(RocketTestHarness).publish('Payments', { amount: 10 });
      assert.deepEqual([...payment.listeners].sort(), ['Fraud.screen', 'Ledger.record']);
      assert.equal(await payment.settled('Ledger.record'), 'acknowledged');
      assert.equal(await payment.settled('Fraud.screen'), 'dead-lettered');
      assert.deepEqual(await payment.settledAll(), {
        'Ledger.record': 'acknowledged',
        'Fraud.screen': 'dead-lettered',
      });
      await assert.rejects(payment.settled(), /goes to .* and .*: name one, as settled\('.*'\), or use settledAll\(\)/);
      await assert.rejects(payment.settled('Nobody.here'), /Nobody.here does not get/);
    } finally {
      await app.close();
    }
  });
});
