import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { decodeStoredMessages } from '@rocketnest/protocol';
import type { BrokerController } from '@rocketnest/broker';
import { MessageProducer } from './message-producer.js';
import { TransactionRolledBackError } from './transaction-rolled-back.error.js';
import { RocketConnection } from './rocket-connection.js';
import { RocketModule } from './rocket.module.js';
import { waitFor } from './testing/wait-for.js';
import {
  TransactionalHandler,
  type RocketTransactionHandler,
  type TransactionMessage,
  type TransactionOutcome,
} from './transactional-handler.decorator.js';

/** An order table standing in for the database the local transaction writes. */
const orders = new Map<number, 'paid' | 'pending'>();

@Injectable()
@TransactionalHandler({ topic: 'Orders' })
class OrderTransactions implements RocketTransactionHandler<'commit' | 'rollback' | 'throw' | 'unknown'> {
  checks: string[] = [];

  execute(message: TransactionMessage, arg: 'commit' | 'rollback' | 'throw' | 'unknown'): TransactionOutcome {
    const { id } = message.payload as { id: number };
    if (arg === 'throw') throw new Error('the database refused the order');
    if (arg === 'commit') orders.set(id, 'paid');
    if (arg === 'unknown') orders.set(id, 'pending');
    return arg;
  }

  check(message: TransactionMessage): TransactionOutcome {
    const { id } = message.payload as { id: number };
    this.checks.push(message.msgId);
    return orders.get(id) === 'pending' ? 'commit' : 'rollback';
  }
}

@Injectable()
@TransactionalHandler({ topic: 'Refunds', tag: 'full' })
class RefundTransactions implements RocketTransactionHandler {
  executed = 0;
  execute(): TransactionOutcome {
    this.executed++;
    return 'commit';
  }
  check(): TransactionOutcome {
    return 'rollback';
  }
}

@Module({
  imports: [
    RocketModule.forRoot({
      embedded: { broker: { transactionCheckInterval: 200, transactionTimeOut: 300 } },
      isGlobal: true,
    }),
  ],
  providers: [OrderTransactions, RefundTransactions],
})
class ShopModule {}

function bodies(broker: BrokerController, topic: string): string[] {
  const found: string[] = [];
  for (let queueId = 0; queueId < 4; queueId++) {
    const result = broker.store.getMessage(topic, queueId, 0, 64);
    if (result.status === 'FOUND') found.push(...decodeStoredMessages(result.body).map((r) => r.body.toString()));
  }
  return found.sort();
}

describe('@TransactionalHandler', () => {
  it('commits, rolls back (also when execute throws), settles unknown outcomes by check, and routes by topic and tag', async () => {
    const app = await NestFactory.createApplicationContext(ShopModule, { logger: false });
    try {
      const producer = app.get(MessageProducer);
      const broker = app.get(RocketConnection).embeddedBroker!.controller!;
      const committed = await producer.sendInTransaction('Orders', { id: 1 }, 'commit');
      assert.equal(committed.localTransactionState, 'COMMIT_MESSAGE');
      // A rollback is not a success: the send rejects, with the state and what execute threw.
      await assert.rejects(
        producer.sendInTransaction('Orders', { id: 2 }, 'rollback'),
        (error: unknown) =>
          error instanceof TransactionRolledBackError &&
          error.result.localTransactionState === 'ROLLBACK_MESSAGE' &&
          error.cause === undefined &&
          /the local transaction of a message to Orders rolled back; the message was discarded/.test(error.message),
      );
      await assert.rejects(
        producer.sendInTransaction('Orders', { id: 3 }, 'throw'),
        (error: unknown) =>
          error instanceof TransactionRolledBackError &&
          error.result.localTransactionState === 'ROLLBACK_MESSAGE' &&
          error.cause instanceof Error &&
          /rolled back \(execute threw: the database refused the order\)/.test(error.message),
      );
      const unsure = await producer.sendInTransaction('Orders', { id: 4 }, 'unknown');
      assert.equal(unsure.localTransactionState, 'UNKNOW');
      await producer.sendInTransaction('Refunds', { id: 9 }, undefined, { tags: 'full' });
      await waitFor(() => bodies(broker, 'Orders').length === 2, 'the committed and the checked orders', 10_000);
      assert.deepEqual(bodies(broker, 'Orders'), ['{"id":1}', '{"id":4}']);
      assert.deepEqual(app.get(OrderTransactions).checks, [unsure.msgId]);
      await waitFor(() => bodies(broker, 'Refunds').length === 1, 'the refund');
      assert.equal(app.get(RefundTransactions).executed, 1);
      await assert.rejects(
        producer.sendInTransaction('Refunds', { id: 10 }, undefined, { tags: 'partial' }),
        /no @TransactionalHandler handles Refunds\/partial/,
      );
    } finally {
      await app.close();
    }
  });
});
