/**
 * A group member in its own process, for the killed-consumer test: consumes slowly (a batch at a
 * time, 20 ms each) and prints "done <body>" for every message its listener finished, until the
 * test kills it.  argv: namesrvAddr topic group
 */
import { silentLogger } from '@rocketnest/common';
import { PushConsumer } from '@rocketnest/client';

const [namesrvAddr, topic, group] = process.argv.slice(2) as [string, string, string];
const consumer = new PushConsumer({
  namesrvAddr,
  consumerGroup: group,
  instanceName: `child-${process.pid}`,
  consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
  consumeMessageBatchMaxSize: 4,
  concurrency: 2,
  rebalanceInterval: 300,
  persistConsumerOffsetInterval: 100,
  brokerSuspendMaxTimeMillis: 2000,
  logger: silentLogger,
});
consumer.subscribe(topic).onMessage(async (messages) => {
  await new Promise((resolve) => setTimeout(resolve, 20));
  for (const message of messages) process.stdout.write(`done ${message.body.toString()}\n`);
});
await consumer.start();
process.stdout.write('ready\n');
