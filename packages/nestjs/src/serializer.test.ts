import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessageProducer } from './message-producer.js';
import { RocketListener } from './rocket-listener.decorator.js';
import { RocketModule } from './rocket.module.js';
import { bufferSerializer, stringSerializer, type RocketSerializer } from './serializer.js';
import { waitFor } from './testing/wait-for.js';

/** A client-wide serializer: payloads travel as base64 of their JSON. */
const base64Json: RocketSerializer = {
  serialize: (payload) => Buffer.from(JSON.stringify(payload)).toString('base64'),
  deserialize: (body) => JSON.parse(Buffer.from(body.toString(), 'base64').toString()),
};

@Injectable()
class Readers {
  readonly seen: unknown[] = [];

  @RocketListener('Codec', '*', { group: 'decoded', consumeFrom: 'first' })
  decoded(payload: unknown) {
    this.seen.push(['decoded', payload]);
  }

  @RocketListener('Codec', '*', { group: 'text', consumeFrom: 'first', serializer: stringSerializer })
  text(payload: unknown) {
    this.seen.push(['text', payload]);
  }

  @RocketListener('Codec', '*', { group: 'raw', consumeFrom: 'first', serializer: bufferSerializer })
  raw(payload: unknown) {
    this.seen.push(['raw', Buffer.isBuffer(payload)]);
  }
}

@Module({ imports: [RocketModule.forRoot({ serializer: base64Json })], providers: [Readers] })
class CodecModule {}

describe('serializers', () => {
  it('uses the client serializer for producer and listeners, and a listener’s own when it has one', async () => {
    const app = await NestFactory.createApplicationContext(CodecModule, { logger: false });
    try {
      await app.get(MessageProducer).send('Codec', { hello: 'world' });
      const readers = app.get(Readers);
      await waitFor(() => readers.seen.length === 3, 'three readers');
      const encoded = Buffer.from(JSON.stringify({ hello: 'world' })).toString('base64');
      assert.deepEqual(
        readers.seen.sort(),
        [
          ['decoded', { hello: 'world' }],
          ['raw', true],
          ['text', encoded],
        ].sort(),
      );
    } finally {
      await app.close();
    }
  });
});
