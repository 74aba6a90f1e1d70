import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Injectable, Module, Scope, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { decodeStoredMessages } from '@rocketnest/protocol';
import type { ReceivedMessage } from '@rocketnest/client';
import { MessageProducer } from './message-producer.js';
import { RocketConnection } from './rocket-connection.js';
import { RocketListener } from './rocket-listener.decorator.js';
import { RocketProducer } from './rocket-producer.decorator.js';
import { RocketModule } from './rocket.module.js';
import { waitFor } from './testing/wait-for.js';

const embedded = { store: { messageDelayLevel: '20ms 40ms 60ms 80ms 100ms' }, broker: { enablePropertyFilter: true } };

@Injectable()
class OrderListeners {
  readonly created: unknown[] = [];
  readonly paid: string[] = [];
  flakyAttempts = 0;

  @RocketListener('Orders', 'created', { consumeFrom: 'first' })
  onCreated(payload: unknown) {
    this.created.push(payload);
  }

  @RocketListener('Orders', 'paid', { consumeFrom: 'first' })
  onPaid(payload: { id: number }, message: ReceivedMessage) {
    this.paid.push(`${payload.id}:${message.tags}`);
  }

  @RocketListener('Flaky', '*', { group: 'flaky', consumeFrom: 'first', maxReconsumeTimes: 1 })
  onFlaky() {
    this.flakyAttempts++;
    throw new Error('always fails');
  }
}

@Injectable()
class BulkImporter {
  readonly batches: number[][] = [];

  @RocketListener('Bulk', '*', { group: 'bulk', consumeFrom: 'first', batchSize: 10 })
  import(rows: { n: number }[], messages: ReceivedMessage[]) {
    assert.equal(rows.length, messages.length);
    this.batches.push(rows.map((row) => row.n));
  }
}

@Injectable()
class Filtered {
  readonly bigOrders: unknown[] = [];
  readonly everyone: unknown[] = [];

  @RocketListener('Sales', '*', { group: 'big-sales', consumeFrom: 'first', sql: 'amount > 100' })
  big(sale: unknown) {
    this.bigOrders.push(sale);
  }

  @RocketListener('Sales', '*', { group: 'all-sales', consumeFrom: 'first', broadcasting: true })
  all(sale: unknown) {
    this.everyone.push(sale);
  }
}

@Injectable()
class PriceService {
  @RocketListener('Prices', '*', { group: 'pricing', consumeFrom: 'first' })
  quote(item: { name: string }) {
    return { name: item.name, price: 42 };
  }
}

@Injectable()
class Checkout {
  constructor(@RocketProducer() readonly producer: MessageProducer) {}
}

@Module({ providers: [PriceService] })
class PricingModule {}

@Module({
  imports: [RocketModule.forRoot({ embedded, isGlobal: true }), PricingModule],
  providers: [OrderListeners, Checkout, BulkImporter, Filtered],
})
class ShopModule {}

async function boot(module: unknown): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(module as never, { logger: false });
}

describe('RocketModule', () => {
  it('starts an embedded broker, finds listeners across modules, dispatches by tag, retries and dead-letters', async () => {
    const app = await boot(ShopModule);
    try {
      const producer = app.get(Checkout).producer;
      const listeners = app.get(OrderListeners);
      await producer.send('Orders', { id: 1 }, { tags: 'created' });
      await producer.send('Orders', { id: 1 }, { tags: 'paid' });
      await producer.send('Orders', { id: 2 }, { tags: 'shipped' });
      await producer.send('Flaky', 'boom');
      await waitFor(() => listeners.created.length === 1 && listeners.paid.length === 1, 'both tagged listeners');
      assert.deepEqual(listeners.created, [{ id: 1 }]);
      assert.deepEqual(listeners.paid, ['1:paid']);
      const broker = app.get(RocketConnection).embeddedBroker!.controller!;
      await waitFor(() => broker.store.getMaxOffsetInQueue('%DLQ%flaky', 0) === 1, 'the dead letter');
      assert.equal(listeners.flakyAttempts, 2);
      const [letter] = decodeStoredMessages(broker.store.getMessage('%DLQ%flaky', 0, 0, 1).body);
      assert.equal(letter!.body.toString(), 'boom');
      assert.deepEqual(await producer.request('Prices', { name: 'book' }, 5000), { name: 'book', price: 42 });
      await producer.sendBatch(
        'Bulk',
        Array.from({ length: 25 }, (_, n) => ({ n })),
      );
      const importer = app.get(BulkImporter);
      await waitFor(() => importer.batches.flat().length === 25, 'all 25 rows');
      // Batches hold what one pull brought, up to batchSize.
      assert.ok(importer.batches.every((batch) => batch.length <= 10));
      assert.ok(importer.batches.some((batch) => batch.length > 1));
      assert.deepEqual(
        importer.batches.flat().sort((a, b) => a - b),
        Array.from({ length: 25 }, (_, n) => n),
      );
    } finally {
      await app.close();
    }
  });

  it('takes its options from forRootAsync, and registers no listeners when told so', async () => {
    @Injectable()
    class Listener {
      calls = 0;
      @RocketListener('Quiet', '*', { consumeFrom: 'first' })
      handle() {
        this.calls++;
      }
    }
    @Module({
      imports: [
        RocketModule.forRootAsync({
          useFactory: async () => ({ embedded, registerListeners: false, group: 'api-only' }),
          isGlobal: true,
        }),
      ],
      providers: [Listener],
    })
    class ApiModule {}
    const app = await boot(ApiModule);
    try {
      const connection = app.get(RocketConnection);
      assert.equal(connection.group, 'api-only');
      await app.get(MessageProducer).send('Quiet', 'x');
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(app.get(Listener).calls, 0);
    } finally {
      await app.close();
    }
  });

  it('fails boot with a clear message when a listener is on a request-scoped provider', async () => {
    @Injectable({ scope: Scope.REQUEST })
    class PerRequest {
      @RocketListener('Anything')
      handle() {}
    }
    @Module({ imports: [RocketModule.forRoot({ embedded })], providers: [PerRequest] })
    class BadModule {}
    await assert.rejects(boot(BadModule), /PerRequest\.handle has @RocketListener but PerRequest is request-scoped/);
  });
});
