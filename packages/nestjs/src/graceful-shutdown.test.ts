import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessageProducer } from './message-producer.js';
import { RocketListener } from './rocket-listener.decorator.js';
import { RocketModule } from './rocket.module.js';
import { waitFor } from './testing/wait-for.js';

const started: number[] = [];
const finished: number[] = [];

@Injectable()
class SlowWorker {
  @RocketListener('Jobs', '*', { consumeFrom: 'first', concurrency: 4 })
  async work(job: { n: number }) {
    started.push(job.n);
    await new Promise((resolve) => setTimeout(resolve, 150));
    finished.push(job.n);
  }
}

function appModule(dataDir: string) {
  @Module({
    imports: [RocketModule.forRoot({ embedded: { inMemory: false, dataDir }, shutdownTimeoutMs: 5000 })],
    providers: [SlowWorker],
  })
  class JobsModule {}
  return JobsModule;
}

describe('graceful shutdown', () => {
  it('finishes the handlers in flight, commits, and loses nothing across a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rocketnest-graceful-'));
    try {
      const first = await NestFactory.createApplicationContext(appModule(dataDir), { logger: false });
      const producer = first.get(MessageProducer);
      for (let n = 0; n < 30; n++) await producer.send('Jobs', { n });
      await waitFor(() => finished.length >= 4, 'some jobs done');
      await first.close();
      const inFlightAtClose = started.filter((n) => !finished.includes(n));
      assert.deepEqual(inFlightAtClose, [], 'every handler started before close finished');
      const second = await NestFactory.createApplicationContext(appModule(dataDir), { logger: false });
      try {
        await waitFor(() => new Set(finished).size === 30, 'all thirty jobs', 20_000);
      } finally {
        await second.close();
      }
      assert.deepEqual(
        [...new Set(finished)].sort((a, b) => a - b),
        Array.from({ length: 30 }, (_, n) => n),
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
