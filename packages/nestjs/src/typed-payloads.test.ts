import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Injectable } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { ReceivedMessage } from '@rocketnest/client';
import { MessageProducer } from './message-producer.js';
import { RocketListener } from './rocket-listener.decorator.js';
import { RocketProducer } from './rocket-producer.decorator.js';
import { RocketTestHarness, RocketTestingModule } from './testing/rocket-testing.module.js';

interface Shipment {
  id: number;
  to: string;
}

/** The topics this app sends, each with its payload. */
interface Topics {
  Shipments: Shipment;
  Audit: string;
}

@Injectable()
class Shipping {
  readonly shipped: Shipment[] = [];

  constructor(@RocketProducer() readonly producer: MessageProducer<Topics>) {}

  @RocketListener<Shipment>('Shipments', '*', { consumeFrom: 'first' })
  ship(shipment: Shipment, _message: ReceivedMessage) {
    this.shipped.push(shipment);
  }

  // The compiler refuses what the types rule out (tsc -b fails should any of these compile):
  // @ts-expect-error a listener of Shipment payloads cannot take a number
  @RocketListener<Shipment>('Shipments', 'never')
  wrongPayload(_id: number) {}

  wrongSends() {
    // @ts-expect-error Shipments carries a Shipment
    void this.producer.send('Shipments', 'not a shipment');
    // @ts-expect-error Invoices is not one of this producer's topics
    void this.producer.send('Invoices', { id: 1 });
  }
}

describe('typed payloads', () => {
  it('a producer typed by its topics sends a typed payload that a typed listener receives', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [RocketTestingModule.forRoot()],
      providers: [Shipping],
    }).compile();
    await moduleRef.init();
    try {
      const shipping = moduleRef.get(Shipping);
      await shipping.producer.send('Shipments', { id: 7, to: 'Ada' });
      await shipping.producer.send('Audit', 'shipment 7 sent');
      const harness = moduleRef.get(RocketTestHarness);
      const published = await harness.publish('Shipments', { id: 8, to: 'Grace' });
      assert.equal(await published.settled('Shipping.ship'), 'acknowledged');
      assert.deepEqual(shipping.shipped.map((shipment) => shipment.id).sort(), [7, 8]);
    } finally {
      await moduleRef.close();
    }
  });
});
