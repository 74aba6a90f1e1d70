import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { TestingModule } from '@nestjs/testing';
import { Test } from '@nestjs/testing';
import { RocketTestHarness, RocketTestingModule } from '@rocketnest/nestjs';
import { OrderDatabase } from './order-database.js';
import { OrderListeners } from './order-listeners.js';
import { ORDER_EVENTS, PAYMENT_DEADLINES } from './order.dto.js';
import { OrdersService, PAYMENT_TIMEOUT_MS } from './orders.service.js';

/** The listeners on RocketTestingModule (an in-memory broker): publish, then await what they did. */
describe('OrderListeners', () => {
  let moduleRef: TestingModule;
  let harness: RocketTestHarness;
  let db: OrderDatabase;

  before(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [RocketTestingModule.forRoot({ group: 'order-service' })],
      providers: [
        { provide: OrderDatabase, useFactory: () => OrderDatabase.open() },
        { provide: PAYMENT_TIMEOUT_MS, useValue: 60_000 },
        OrdersService,
        OrderListeners,
      ],
    })
      .setLogger({ log() {}, warn() {}, error() {} })
      .compile();
    await moduleRef.init();
    harness = moduleRef.get(RocketTestHarness);
    db = moduleRef.get(OrderDatabase);
  });
  after(() => moduleRef.close());

  it('records an order event in its history', async () => {
    const orderId = randomUUID();
    const event = await harness.publish(ORDER_EVENTS, { orderId, type: 'created' }, { tags: 'created' });
    assert.equal(await event.settled(), 'acknowledged');
    assert.deepEqual(db.events(orderId), ['created']);
  });

  it('dead-letters a malformed event without retrying it', async () => {
    const event = await harness.publish(ORDER_EVENTS, { orderId: 'not-a-uuid', type: 'weird' }, { tags: 'external' });
    assert.equal(await event.settled(), 'dead-lettered');
    assert.equal(event.attempts.length, 1);
  });

  it('cancels an unpaid order when its deadline comes, and leaves a paid one', async () => {
    const orders = moduleRef.get(OrdersService);
    const unpaid = { id: randomUUID(), item: 'pen', quantity: 1, status: 'pending' as const, createdAt: Date.now() };
    const paid = { ...unpaid, id: randomUUID(), status: 'paid' as const };
    db.transaction(() => db.insert(unpaid));
    db.transaction(() => db.insert(paid));
    for (const order of [unpaid, paid]) {
      assert.equal(await (await harness.publish(PAYMENT_DEADLINES, { orderId: order.id })).settled(), 'acknowledged');
    }
    assert.equal(orders.get(unpaid.id).status, 'cancelled');
    assert.equal(orders.get(paid.id).status, 'paid');
  });
});
