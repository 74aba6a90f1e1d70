import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessageProducer } from './message-producer.js';
import type { RocketConnection } from './rocket-connection.js';
import { RocketListener } from './rocket-listener.decorator.js';
import { RocketProducer } from './rocket-producer.decorator.js';
import { RocketModule } from './rocket.module.js';
import { getConnectionToken } from './rocket.tokens.js';
import { waitFor } from './testing/wait-for.js';

@Injectable()
class Publisher {
  constructor(
    @RocketProducer() readonly main: MessageProducer,
    @RocketProducer('audit') readonly audit: MessageProducer,
  ) {}
}

@Injectable()
class Readers {
  readonly main: unknown[] = [];
  readonly audit: unknown[] = [];

  @RocketListener('Events', '*', { consumeFrom: 'first' })
  onMain(payload: unknown) {
    this.main.push(payload);
  }

  @RocketListener('Events', '*', { client: 'audit', consumeFrom: 'first' })
  onAudit(payload: unknown) {
    this.audit.push(payload);
  }
}

@Module({
  imports: [
    RocketModule.forRoot({ isGlobal: true }),
    RocketModule.forRootAsync({ name: 'audit', isGlobal: true, useFactory: () => ({ group: 'auditor' }) }),
  ],
  providers: [Publisher, Readers],
})
class TwoClusters {}

describe('named clients', () => {
  it('keeps two clusters apart: producers by name, listeners by client', async () => {
    const app = await NestFactory.createApplicationContext(TwoClusters, { logger: false });
    try {
      const audit = app.get<RocketConnection>(getConnectionToken('audit'));
      assert.equal(audit.name, 'audit');
      assert.equal(audit.group, 'auditor');
      const publisher = app.get(Publisher);
      assert.notEqual(publisher.main, publisher.audit, 'each client has its own producer');
      await publisher.main.send('Events', 'to main');
      await publisher.audit.send('Events', 'to audit');
      const readers = app.get(Readers);
      await waitFor(() => readers.main.length === 1 && readers.audit.length === 1, 'one message at each');
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(readers.main, ['to main']);
      assert.deepEqual(readers.audit, ['to audit']);
    } finally {
      await app.close();
    }
  });
});
