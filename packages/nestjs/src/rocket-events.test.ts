import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { ListenerOutcome } from './listener-outcome-policy.js';
import { DeadLetter } from './outcomes.js';
import { OnRocketEvent, type RocketEvents } from './rocket-event.decorator.js';
import { RocketListener } from './rocket-listener.decorator.js';
import { RocketTestHarness, RocketTestingModule } from './testing/rocket-testing.module.js';

@Injectable()
class Parcels {
  private failedOnce = false;

  @RocketListener('Parcels', '*', { consumeFrom: 'first', retryDelayMs: 20 })
  handle(parcel: { kind: string }) {
    if (parcel.kind === 'lost') return DeadLetter('no such address');
    if (parcel.kind === 'late' && !this.failedOnce) {
      this.failedOnce = true;
      throw new Error('the van broke down');
    }
    return undefined;
  }
}

@Injectable()
class Audit {
  readonly seen: string[] = [];
  readonly rebalances: RocketEvents['rebalanced'][] = [];

  @OnRocketEvent('sent')
  sent(event: RocketEvents['sent']) {
    this.seen.push(`sent ${event.topic} ${event.result.msgId}`);
  }

  @OnRocketEvent('consumed')
  @OnRocketEvent('retried')
  @OnRocketEvent('dead-lettered')
  outcome(event: ListenerOutcome) {
    this.seen.push(`${event.outcome} ${event.msgId}`);
  }

  @OnRocketEvent('rebalanced')
  rebalanced(event: RocketEvents['rebalanced']) {
    this.rebalances.push(event);
  }

  @OnRocketEvent('consumed')
  broken() {
    throw new Error('an audit handler that fails changes nothing');
  }
}

describe('@OnRocketEvent', () => {
  it('tells a provider of sends, acknowledgements, retries, dead letters and rebalances', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [RocketTestingModule.forRoot()],
      providers: [Parcels, Audit],
    })
      .setLogger({ log() {}, warn() {}, error() {} })
      .compile();
    await moduleRef.init();
    try {
      const audit = moduleRef.get(Audit);
      const harness = moduleRef.get(RocketTestHarness);
      const fine = await harness.publish('Parcels', { kind: 'fine' });
      const late = await harness.publish('Parcels', { kind: 'late' });
      const lost = await harness.publish('Parcels', { kind: 'lost' });
      assert.equal(await fine.settled(), 'acknowledged');
      assert.equal(await late.settled(), 'acknowledged');
      assert.equal(await lost.settled(), 'dead-lettered');
      for (const message of [fine, late, lost]) assert.ok(audit.seen.includes(`sent Parcels ${message.msgId}`));
      assert.ok(audit.seen.includes(`acknowledged ${fine.msgId}`));
      assert.ok(audit.seen.indexOf(`retried ${late.msgId}`) < audit.seen.indexOf(`acknowledged ${late.msgId}`));
      assert.ok(audit.seen.includes(`retried ${late.msgId}`));
      assert.ok(audit.seen.includes(`dead-lettered ${lost.msgId}`));
      const parcels = audit.rebalances.find((event) => event.topic === 'Parcels');
      assert.equal(parcels?.group, 'rocketnest');
      assert.equal(parcels?.queues.length, 4, 'the only member holds every queue');
    } finally {
      await moduleRef.close();
    }
  });
});
