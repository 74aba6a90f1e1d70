import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import type { INestMicroservice } from '@nestjs/common';
import { lastValueFrom } from 'rxjs';
import { EmbeddedBroker } from '../embedded-broker.js';
import { waitFor } from '../testing/wait-for.js';
import { ClientRocketMQ, RocketMQContext, ServerRocketMQ } from './index.js';

const received: { topic: string; data: unknown; reconsumeTimes: number }[] = [];
let flaky = 0;

@Controller()
class PricingController {
  @MessagePattern('PriceQuotes')
  quote(@Payload() request: { item: string; quantity: number }) {
    return { item: request.item, total: request.quantity * 3 };
  }

  @MessagePattern('BrokenQuotes')
  broken() {
    throw new RpcException('the price list is missing'); // a plain Error reaches callers as 'Internal server error'
  }

  @EventPattern<string>('OrderPlaced')
  placed(@Payload() order: unknown, @Ctx() context: RocketMQContext) {
    const message = context.getMessage();
    if (flaky++ === 0) throw new Error('first delivery fails'); // RocketMQ delivers it again
    received.push({ topic: message.topic, data: order, reconsumeTimes: message.reconsumeTimes });
  }
}

@Module({ controllers: [PricingController] })
class PricingService {}

describe('the RocketMQ microservice transport', () => {
  const cluster = new EmbeddedBroker(
    { store: { messageDelayLevel: '50ms 100ms 150ms 200ms 250ms' } },
    { log() {}, warn() {}, error() {} },
  );
  let service: INestMicroservice;
  let client: ClientRocketMQ;

  before(async () => {
    const namesrvAddr = await cluster.start();
    service = await NestFactory.createMicroservice(PricingService, {
      strategy: new ServerRocketMQ({ namesrvAddr, group: 'pricing', consumeFrom: 'first' }),
      logger: false,
    });
    await service.listen();
    client = new ClientRocketMQ({ namesrvAddr, replyTimeoutMs: 10_000 });
    await client.connect();
  });
  after(async () => {
    await client.close();
    await service.close();
    await cluster.stop();
  });

  it('answers client.send from a @MessagePattern handler over request-reply', async () => {
    assert.deepEqual(await lastValueFrom(client.send('PriceQuotes', { item: 'pen', quantity: 4 })), {
      item: 'pen',
      total: 12,
    });
  });

  it("rejects client.send with the handler's error", async () => {
    await assert.rejects(lastValueFrom(client.send('BrokenQuotes', {})), (error: unknown) => {
      assert.deepEqual(error, { status: 'error', message: 'the price list is missing' });
      return true;
    });
  });

  it('delivers client.emit to an @EventPattern handler, again after it threw', async () => {
    await lastValueFrom(client.emit('OrderPlaced', { id: 42 }));
    await waitFor(() => received.length === 1, 'the event handled', 15_000);
    assert.deepEqual(received[0], { topic: 'OrderPlaced', data: { id: 42 }, reconsumeTimes: 1 });
  });

  it('refuses a pattern that is not a topic name, saying so', async () => {
    await assert.rejects(lastValueFrom(client.emit({ cmd: 'sum' }, 1)), /must be a topic name/);
  });
});
