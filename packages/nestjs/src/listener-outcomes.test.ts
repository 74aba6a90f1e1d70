import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Injectable,
  Module,
  UseGuards,
  UseInterceptors,
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IsInt, IsString, Min } from 'class-validator';
import type { ReceivedMessage } from '@rocketnest/client';
import type { BrokerController } from '@rocketnest/broker';
import { MessageProducer } from './message-producer.js';
import { DeadLetter, NonRetriableError, Retry } from './outcomes.js';
import { RocketConnection } from './rocket-connection.js';
import { RocketListener } from './rocket-listener.decorator.js';
import { MessageProperties, Payload, RocketMessage } from './rocket-params.decorator.js';
import { RocketModule } from './rocket.module.js';
import { waitFor } from './testing/wait-for.js';

class CreateOrder {
  @IsString()
  item!: string;

  @IsInt()
  @Min(1)
  quantity!: number;
}

const seenByGuard: string[] = [];

class TenantGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const message = context.getArgByIndex(1) as ReceivedMessage;
    seenByGuard.push(`${context.getType()}:${message.properties['tenant']}`);
    return message.properties['tenant'] !== 'blocked';
  }
}

class TimingInterceptor implements NestInterceptor {
  static calls = 0;
  intercept(_context: ExecutionContext, next: CallHandler) {
    TimingInterceptor.calls++;
    return next.handle();
  }
}

@Injectable()
class Orders {
  readonly valid: CreateOrder[] = [];
  readonly attempts = new Map<string, number[]>();
  readonly ids: unknown[] = [];

  @RocketListener('NewOrders', '*', { group: 'orders', consumeFrom: 'first' })
  @UseGuards(TenantGuard)
  @UseInterceptors(TimingInterceptor)
  create(order: CreateOrder) {
    assert.ok(order instanceof CreateOrder, 'the payload is transformed to its class');
    this.valid.push(order);
  }

  @RocketListener('Later', '*', { group: 'later', consumeFrom: 'first', maxReconsumeTimes: 3 })
  later(
    @Payload('step') step: string,
    @RocketMessage() message: ReceivedMessage,
    @MessageProperties('kind') kind: string,
  ) {
    this.ids.push(step);
    const times = [...(this.attempts.get(kind) ?? []), Date.now()];
    this.attempts.set(kind, times);
    if (kind === 'retry' && message.reconsumeTimes < 2) return Retry.after(150);
    if (kind === 'dead') return DeadLetter('the order was cancelled upstream');
    if (kind === 'fatal') throw new NonRetriableError('the customer does not exist');
    return undefined;
  }
}

@Module({
  imports: [
    RocketModule.forRoot({ embedded: { store: { messageDelayLevel: '20ms 40ms 60ms 80ms' } }, isGlobal: true }),
  ],
  providers: [Orders],
})
class OrdersModule {}

const dlq = (broker: BrokerController, group: string) => broker.store.getMaxOffsetInQueue(`%DLQ%${group}`, 0);

describe('listener outcomes, validation and enhancers', () => {
  it('validates class payloads (invalid ones go to the DLQ), runs guards and interceptors, and honours Retry.after, DeadLetter and non-retriable errors', async () => {
    const warnings: string[] = [];
    const record = (message: unknown) => void warnings.push(String(message));
    const logger = { log() {}, debug() {}, verbose() {}, warn: record, error: record };
    const app = await NestFactory.createApplicationContext(OrdersModule, { logger });
    try {
      const producer = app.get(MessageProducer);
      const orders = app.get(Orders);
      const broker = app.get(RocketConnection).embeddedBroker!.controller!;
      await producer.send('NewOrders', { item: 'book', quantity: 2 }, { properties: { tenant: 'acme' } });
      await producer.send('NewOrders', { item: 'book', quantity: 0 }, { properties: { tenant: 'acme' } });
      await producer.send('NewOrders', 'not json at all', { properties: { tenant: 'acme' } });
      await waitFor(() => dlq(broker, 'orders') === 2, 'two invalid orders in the DLQ');
      assert.deepEqual(
        orders.valid.map((o) => ({ ...o })),
        [{ item: 'book', quantity: 2 }],
      );
      assert.ok(seenByGuard.includes('rocketmq:acme'), 'the guard saw the message in a rocketmq context');
      assert.ok(TimingInterceptor.calls >= 1);

      await producer.send('Later', { step: 'r' }, { properties: { kind: 'retry' } });
      await producer.send('Later', { step: 'd' }, { properties: { kind: 'dead' } });
      await producer.send('Later', { step: 'f' }, { properties: { kind: 'fatal' } });
      await waitFor(() => orders.attempts.get('retry')?.length === 3, 'two timed retries');
      const retries = orders.attempts.get('retry')!;
      assert.ok(retries[1]! - retries[0]! >= 150 && retries[2]! - retries[1]! >= 150, 'Retry.after waits its delay');
      await waitFor(() => dlq(broker, 'later') === 2, 'the dead letter and the fatal one');
      assert.equal(orders.attempts.get('dead')?.length, 1, 'DeadLetter is not retried');
      assert.equal(orders.attempts.get('fatal')?.length, 1, 'a NonRetriableError is not retried');
      assert.ok(orders.ids.includes('r') && orders.ids.includes('d'), '@Payload(property) reads one field');
      // One line per dead letter (the listener's reason), not a second one from the embedded broker.
      const deadLetterLines = warnings.filter((line) => /dead-letter|%DLQ%/.test(line));
      assert.equal(deadLetterLines.length, 4, deadLetterLines.join('\n'));
    } finally {
      await app.close();
    }
  });
});
