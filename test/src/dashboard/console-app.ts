import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { Injectable, Module, type CanActivate, type ExecutionContext, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DashboardModule } from '@rocketnest/dashboard';
import { silentLogger } from '@rocketnest/common';
import { Producer, PushConsumer, type SendResult } from '@rocketnest/client';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium, which playwright-core drives (no browser is downloaded). */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
}

/** The app's own guard, as an app would have one: operators carry a role cookie. */
@Injectable()
export class OperatorsOnly implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: { cookie?: string } }>();
    return /(^|;\s*)role=operator(;|$)/.test(request.headers.cookie ?? '');
  }
}

/** A Nest app that mounts the console at /ops/rocketmq behind OperatorsOnly, on a free port of 127.0.0.1. */
export async function startConsoleApp(namesrvAddr: string): Promise<{ app: INestApplication; url: string }> {
  @Module({
    imports: [
      DashboardModule.forRoot({ namesrvAddr, sampleIntervalSeconds: 1, path: 'ops/rocketmq', guards: [OperatorsOnly] }),
    ],
  })
  class ShopApp {}
  const app = await NestFactory.create(ShopApp, { logger: ['error', 'warn'], abortOnError: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}/ops/rocketmq/` };
}

/**
 * What the console shows in the tests and screenshots: orders sent with traces, a billing group
 * whose listener dead-letters a poison order until told otherwise.
 */
export async function shopTraffic(namesrvAddr: string): Promise<{
  sent: SendResult[];
  /** Orders -1, -2 and -3, which billing dead-letters until healed. */
  poisons: SendResult[];
  billing: PushConsumer;
  heal: () => void;
  received: () => string[];
  stop: () => Promise<void>;
}> {
  const options = { namesrvAddr, logger: silentLogger, enableMsgTrace: true };
  const producer = new Producer({ ...options, producerGroup: 'shop-producer' });
  await producer.start();
  const sent: SendResult[] = [];
  for (let i = 1; i <= 6; i++) {
    const order = { order: i, customer: `c-${i % 3}`, lines: [{ sku: 'tea', qty: i }] };
    sent.push(
      await producer.send({ topic: 'Orders', body: JSON.stringify(order), tags: 'Placed', keys: [`order-${i}`] }),
    );
  }
  const poisons: SendResult[] = [];
  for (const order of [-1, -2, -3]) {
    poisons.push(
      await producer.send({
        topic: 'Orders',
        body: JSON.stringify({ order }),
        tags: 'Placed',
        keys: [`order${order}`],
      }),
    );
  }
  let healed = false;
  const received: string[] = [];
  const billing = new PushConsumer({
    ...options,
    consumerGroup: 'billing',
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    maxReconsumeTimes: 0,
    persistConsumerOffsetInterval: 200,
    rebalanceInterval: 300,
  })
    .subscribe('Orders', 'Placed')
    .onMessage((messages) => {
      for (const message of messages) {
        if (message.body.toString().startsWith('{"order":-') && !healed)
          throw new Error('cannot bill a negative order');
        received.push(message.msgId);
      }
    });
  await billing.start();
  return {
    sent,
    poisons,
    billing,
    heal: () => (healed = true),
    received: () => received,
    stop: async () => {
      await billing.shutdown();
      await producer.shutdown();
    },
  };
}
