/**
 * A RocketMQ client from npm that none of us wrote, unpatched: ali-ons 3.12.0 creates a topic
 * through our broker's admin code, produces to our NameServer and broker, consumes with a tag
 * filter, and commits offsets that the broker keeps.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { eventually, startBroker, startNamesrv } from '../support/cluster.js';

const require = createRequire(import.meta.url);
// ali-ons is CommonJS without types.
const { Producer, Consumer, Message } = require('ali-ons') as {
  Producer: (new (options: object) => AliProducer) & { getDefaultProducer(): Promise<AliProducer> };
  Consumer: new (options: object) => AliConsumer;
  Message: new (topic: string, tags: string, body: string) => { keys: string[] };
};

interface AliProducer {
  ready(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): void;
  /** The client's own API object (MQClientAPI): its admin calls live there. */
  _mqClient: { createTopic(addr: string, defaultTopic: string, config: object, timeoutMs: number): Promise<void> };
  send(message: object): Promise<{ sendStatus: string; msgId: string; messageQueue: { queueId: number } }>;
  close(): Promise<void>;
}

interface AliConsumer {
  ready(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): void;
  subscribe(topic: string, expression: string, handler: (message: AliMessage) => Promise<void>): void;
  close(): Promise<void>;
}

interface AliMessage {
  tags: string;
  body: Buffer;
  /** KEYS as stored: space-separated. */
  keys: string;
  msgId: string;
}

/** ali-ons asserts an httpclient; with nameSrv given it never calls it. */
const httpclient = {
  request() {
    throw new Error('ali-ons asked for a NameServer address over HTTP; nameSrv should have been used');
  },
};

const silent = { info() {}, warn() {}, error() {}, debug() {} };

describe('interop: ali-ons (npm) against our NameServer and broker', () => {
  it('sends, consumes with a tag filter, and commits offsets', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address });
    const topic = 'AliOnsTopic';
    const options = {
      httpclient,
      nameSrv: namesrv.address,
      logger: silent,
      instanceName: `ali-${process.pid}`,
      // ali-ons's background loops sleep this long between runs and end only when they wake
      // after close(): short sleeps let the test process end soon after.
      // One client instance serves both (same client id) with the settings of the first made.
      pollNameServerInteval: 500,
      heartbeatBrokerInterval: 500,
      persistConsumerOffsetInterval: 200,
      rebalanceInterval: 500,
    };

    const producer = new Producer({ ...options, producerGroup: 'ali-producer' });
    const consumer = new Consumer({
      ...options,
      consumerGroup: 'ali-consumer',
      // Held pulls end sooner, so that close() (which waits for them) is quick.
      brokerSuspendMaxTimeMillis: 1000,
      // A pull in flight when the consumer closes is abandoned and waits out this timeout.
      consumerTimeoutMillisWhenSuspend: 2000,
    });
    // Until the first heartbeat creates %RETRY%ali-consumer, its route lookups fail (RocketMQ too).
    const errors: Error[] = [];
    for (const client of [producer, consumer]) client.on('error', (error: Error) => errors.push(error));
    try {
      await producer.ready();
      // ali-ons does not fall back to TBW102 when a topic has no route: it creates topics with
      // UPDATE_AND_CREATE_TOPIC, as its admin phase does (its frames are in packages/protocol/fixtures).
      await producer._mqClient.createTopic(
        broker.brokerAddr,
        'TBW102',
        {
          topicName: topic,
          readQueueNums: 4,
          writeQueueNums: 4,
          perm: 6,
          topicFilterType: 'SINGLE_TAG',
          topicSysFlag: 0,
          order: false,
        },
        3000,
      );
      assert.equal(broker.topics.get(topic)?.writeQueueNums, 4);
      await eventually(() => namesrv.routes.topicRoute(topic), 'the NameServer to route the new topic');
      const sent: { tag: string; body: string; key: string }[] = [];
      for (let i = 0; i < 12; i++) {
        const tag = i % 3 === 0 ? 'TagA' : 'TagB';
        const message = new Message(topic, tag, `body-${i}`);
        message.keys = [`key-${i}`];
        const result = await producer.send(message);
        assert.equal(result.sendStatus, 'SEND_OK', `send ${i}`);
        sent.push({ tag, body: `body-${i}`, key: `key-${i}` });
      }
      const received: AliMessage[] = [];
      consumer.subscribe(topic, 'TagA', async (message) => {
        received.push(message);
      });
      await consumer.ready();
      const expected = sent.filter((m) => m.tag === 'TagA');
      await eventually(() => received.length >= expected.length, `${expected.length} TagA messages`);
      assert.deepEqual(received.map((m) => m.body.toString()).sort(), expected.map((m) => m.body).sort());
      assert.ok(received.every((m) => m.tags === 'TagA'));
      assert.deepEqual(received.map((m) => m.keys).sort(), expected.map((m) => m.key).sort());
      // Offsets: the group's committed offset of each queue reaches the queue's end.
      await eventually(() => {
        for (let queueId = 0; queueId < 4; queueId++) {
          const max = broker.store.getMaxOffsetInQueue(topic, queueId);
          if (max > 0 && broker.offsets.query('ali-consumer', topic, queueId) !== max) return false;
        }
        return true;
      }, 'committed offsets at the end of every queue');
      const unexpected = errors.filter((error) => !error.message.includes('%RETRY%ali-consumer'));
      assert.deepEqual(
        unexpected.map((error) => error.message),
        [],
      );
    } finally {
      await consumer.close();
      await producer.close();
      // ali-ons keeps one inner producer (CLIENT_INNER_PRODUCER) for every client in the process,
      // and its background loops run until that one is closed too.
      await (await Producer.getDefaultProducer()).close();
    }
  });
});
