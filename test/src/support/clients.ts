import { silentLogger } from '@rocketnest/common';
import { after } from 'node:test';
import { Producer, PushConsumer, type ProducerOptions, type PushConsumerOptions } from '@rocketnest/client';

/** A started producer (with credentials, TLS, ... as options give), shut down after the test. */
export async function startProducer(
  namesrvAddr: string,
  producerGroup = 'test-producer',
  options: Omit<ProducerOptions, 'namesrvAddr' | 'producerGroup' | 'logger'> = {},
): Promise<Producer> {
  const producer = new Producer({ namesrvAddr, producerGroup, logger: silentLogger, ...options });
  await producer.start();
  after(() => producer.shutdown());
  return producer;
}

/** A push consumer with test timings (rebalance 300 ms, commits every 100 ms, 1 s long polls), shut down after the test. */
export function testConsumer(options: Omit<PushConsumerOptions, 'logger'>): PushConsumer {
  const consumer = new PushConsumer({
    rebalanceInterval: 300,
    persistConsumerOffsetInterval: 100,
    brokerSuspendMaxTimeMillis: 1000,
    logger: silentLogger,
    ...options,
  });
  after(() => consumer.shutdown(1000));
  return consumer;
}
