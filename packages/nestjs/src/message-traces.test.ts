import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Admin } from '@rocketnest/client';
import { silentLogger } from '@rocketnest/common';
import { MessageProducer } from './message-producer.js';
import { RocketConnection } from './rocket-connection.js';
import { RocketListener } from './rocket-listener.decorator.js';
import { RocketTestingModule } from './testing/rocket-testing.module.js';

@Injectable()
class Shipping {
  @RocketListener('Parcels', '*', { group: 'shipping' })
  ship(_parcel: { id: number }) {}
}

describe('RocketModule with enableMsgTrace', () => {
  it("writes RocketMQ's trace of each send and listener call: one trace from producer to listener", async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [RocketTestingModule.forRoot({ enableMsgTrace: true })],
      providers: [Shipping],
    })
      .setLogger({ log() {}, warn() {}, error() {} })
      .compile();
    await moduleRef.init();
    const admin = new Admin({ ...moduleRef.get(RocketConnection).cluster, logger: silentLogger });
    try {
      const sent = await moduleRef.get(MessageProducer).send('Parcels', { id: 7 });
      let steps = await admin.messageTrace(sent.msgId);
      for (let i = 0; i < 100 && !steps.some((s) => s.type === 'SubAfter'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        steps = await admin.messageTrace(sent.msgId);
      }
      assert.deepEqual(
        steps.map((s) => [s.type, s.success]),
        [
          ['Pub', true],
          ['SubBefore', true],
          ['SubAfter', true],
        ],
      );
      assert.equal(steps[0]!.bean.topic, 'Parcels');
      assert.equal(steps[2]!.groupName, 'shipping');
    } finally {
      await admin.shutdown();
      await moduleRef.close();
    }
  });
});
