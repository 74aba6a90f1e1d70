/**
 * Part of npm run test:interop: the sample app's end-to-end test (sample-app/src/app.e2e.test.ts)
 * against Apache RocketMQ 4.9.4's NameServer and broker instead of the embedded broker, and the
 * features whose behaviour differs there checked to work or to fail loudly (the README's table).
 * Needs root and the distribution (support/real-rocketmq.ts); never in CI.
 */
import { silentLogger } from '@rocketnest/common';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, MessageSelector, Producer, PushConsumer } from '@rocketnest/client';
import { checkList, runAgainstApache } from '../support/real-rocketmq.js';

const NAMESRV = '127.0.0.1:9876';
const sampleE2e = join(
  createRequire(import.meta.url).resolve('@rocketnest/cli/package.json'),
  '..',
  '..',
  '..',
  'sample-app',
  'dist',
  'app.e2e.test.js',
);

async function checks(): Promise<number> {
  const { check, failed } = checkList();

  await check('the sample app end to end (transactions, orderly history, payment deadline, DLQ, health)', async () => {
    const run = spawnSync(process.execPath, ['--test', '--test-reporter=spec', sampleE2e], {
      env: { ...process.env, ROCKET_NAMESRV_ADDR: NAMESRV },
      encoding: 'utf8',
      timeout: 180_000,
    });
    if (run.status !== 0) throw new Error(`${run.stdout}${run.stderr}`);
    return /✔ the sample order service[^\n]*/.exec(run.stdout)?.[0] ?? 'passed';
  });

  const topic = `Deadlines${Date.now() % 100_000}`;
  const refusing = new Producer({ namesrvAddr: NAMESRV, producerGroup: 'rn-deadline-refuse', logger: silentLogger });
  const fallingBack = new Producer({
    namesrvAddr: NAMESRV,
    producerGroup: 'rn-deadline-level',
    deliverAtFallback: 'delayLevel',
    logger: silentLogger,
  });
  await refusing.start();
  await fallingBack.start();
  try {
    await refusing.send({ topic, body: 'create the topic' });
    await check('a delivery time is refused by default (4.9.4 has no timers)', async () => {
      try {
        await refusing.send({ topic, body: 'at a time', deliverAt: Date.now() + 3_000 });
      } catch (error) {
        if (/its broker has no timers/.test((error as Error).message)) return (error as Error).message;
        throw error;
      }
      throw new Error('the send succeeded: the message would be delivered at once');
    });
    await check("a delivery time with deliverAtFallback: 'delayLevel' comes at level 2 (5 s), not early", async () => {
      const received: number[] = [];
      const consumer = new PushConsumer({
        namesrvAddr: NAMESRV,
        consumerGroup: 'rn-deadline-consumer',
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
        logger: silentLogger,
      })
        .subscribe(topic, 'deadline')
        .onMessage(() => {
          received.push(Date.now());
        });
      await consumer.start();
      try {
        const due = Date.now() + 3_000;
        await fallingBack.send({ topic, body: 'deadline', tags: 'deadline', deliverAt: due });
        const deadline = Date.now() + 30_000;
        while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        if (received.length === 0) throw new Error('not received within 30 s');
        if (received[0]! < due) throw new Error(`received ${due - received[0]!} ms early`);
        return `received ${received[0]! - due} ms after its time`;
      } finally {
        await consumer.shutdown();
      }
    });
    await check('a SQL92 subscription on a broker without enablePropertyFilter fails at start', async () => {
      const consumer = new PushConsumer({ namesrvAddr: NAMESRV, consumerGroup: 'rn-sql', logger: silentLogger })
        .subscribe(topic, MessageSelector.bySql('a > 1'))
        .onMessage(() => undefined);
      try {
        await consumer.start();
      } catch (error) {
        return (error as Error).message;
      } finally {
        await consumer.shutdown().catch(() => undefined);
      }
      throw new Error('the consumer started: it would get nothing');
    });
    await check('Retry.after(3000) comes back at delay level 2 (5 s), not early', async () => {
      const attempts: number[] = [];
      const consumer = new PushConsumer({
        namesrvAddr: NAMESRV,
        consumerGroup: 'rn-retry-after',
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
        logger: silentLogger,
      })
        .subscribe(topic, 'retry')
        .onMessage(([message], context) => {
          attempts.push(Date.now());
          if (message!.reconsumeTimes > 0) return 'CONSUME_SUCCESS';
          context.retryAfterMs = 3_000;
          return 'RECONSUME_LATER';
        });
      await consumer.start();
      try {
        await refusing.send({ topic, body: 'retry me', tags: 'retry' });
        const deadline = Date.now() + 30_000;
        while (attempts.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        if (attempts.length < 2) throw new Error(`${attempts.length} attempts within 30 s`);
        const waited = attempts[1]! - attempts[0]!;
        if (waited < 3_000) throw new Error(`the retry came after ${waited} ms`);
        return `the retry came after ${waited} ms`;
      } finally {
        await consumer.shutdown();
      }
    });
    await check(
      'request-reply (producer.request, consumer.reply; the microservices transport rides on it)',
      async () => {
        const replier = new PushConsumer({
          namesrvAddr: NAMESRV,
          consumerGroup: 'rn-replier',
          consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
          logger: silentLogger,
        }).subscribe(`${topic}Prices`, '*');
        replier.onMessage(async ([message]) => {
          await replier.reply(message!, `price of ${message!.body.toString()}: 3`);
        });
        await replier.start();
        try {
          await refusing.send({ topic: `${topic}Prices`, body: 'create the topic' });
          const reply = await refusing.request({ topic: `${topic}Prices`, body: 'pen' }, 15_000);
          if (reply.body.toString() !== 'price of pen: 3') throw new Error(`reply ${reply.body.toString()}`);
          return reply.body.toString();
        } finally {
          await replier.shutdown();
        }
      },
    );
    await check('Admin.createTopic (what createTopics does at boot)', async () => {
      const admin = new Admin({ namesrvAddr: NAMESRV, logger: silentLogger });
      try {
        await admin.createTopic(`${topic}Created`, { queueNums: 4 });
        const deadline = Date.now() + 10_000;
        for (;;) {
          const route = await admin.topicRoute(`${topic}Created`).catch(() => undefined);
          if (route && route.queueDatas.length > 0)
            return `route with ${route.queueDatas[0]!.readQueueNums} read queues`;
          if (Date.now() > deadline) throw new Error('no route within 10 s');
          await new Promise((r) => setTimeout(r, 200));
        }
      } finally {
        await admin.shutdown();
      }
    });
    await check(
      'broadcasting: every member gets every message; a 16 KiB body is compressed and read back',
      async () => {
        const body = 'x'.repeat(16 * 1024);
        const got: string[] = [];
        const members = ['a', 'b'].map((name) =>
          new PushConsumer({
            namesrvAddr: NAMESRV,
            consumerGroup: 'rn-broadcast',
            instanceName: `member-${name}`,
            messageModel: 'BROADCASTING',
            offsetStoreDir: join(tmpdir(), `rocketnest-broadcast-${process.pid}`),
            consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
            logger: silentLogger,
          })
            .subscribe(topic, 'big')
            .onMessage(([message]) => {
              if (message!.body.toString() === body) got.push(name);
            }),
        );
        for (const member of members) await member.start();
        try {
          await refusing.send({ topic, body, tags: 'big' });
          const deadline = Date.now() + 20_000;
          while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
          if (got.length < 2) throw new Error(`received by ${got.join(', ') || 'no member'}`);
          return `received intact by members ${got.sort().join(' and ')}`;
        } finally {
          for (const member of members) await member.shutdown();
          rmSync(join(tmpdir(), `rocketnest-broadcast-${process.pid}`), { recursive: true, force: true });
        }
      },
    );
    await check('Admin.resetOffsetByTimestamp of a group that is not running is refused by 4.9.4, loudly', async () => {
      const admin = new Admin({ namesrvAddr: NAMESRV, logger: silentLogger });
      try {
        await admin.resetOffsetByTimestamp('rn-never-ran', topic, Date.now() - 60_000);
      } catch (error) {
        return (error as Error).message;
      } finally {
        await admin.shutdown();
      }
      throw new Error('the rewind was accepted');
    });
  } finally {
    await refusing.shutdown();
    await fallingBack.shutdown();
  }
  console.log(failed() === 0 ? '\nevery check passed against Apache RocketMQ 4.9.4' : `\n${failed()} checks failed`);
  return failed() === 0 ? 0 : 1;
}

runAgainstApache(import.meta.url, checks);
