import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { silentLogger } from '@rocketnest/common';
import {
  createRequest,
  encodeJsonBody,
  encodeProperties,
  RequestCode,
  SendMessageRequestHeaderV2,
  type RemotingCommand,
  type SendMessageRequestHeader,
} from '@rocketnest/protocol';
import { RemotingClient } from '@rocketnest/remoting';
import { MemoryMessageStore, type MessageStoreConfig } from '@rocketnest/store';
import type { BrokerConfig } from '../broker-config.js';
import { BrokerController } from '../broker-controller.js';

const roots: string[] = [];
// Removed after every test's hooks, the brokers' shutdowns (which write config files) included.
after(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/**
 * A broker over a memory store on 127.0.0.1 and a free port (its config files in a temporary
 * directory), with a client that sends it raw requests as any RocketMQ client frames them.
 */
export async function startTestBroker(broker: Partial<BrokerConfig> = {}, store: Partial<MessageStoreConfig> = {}) {
  const root = mkdtempSync(join(tmpdir(), 'rocketnest-broker-'));
  roots.push(root);
  const storeConfig = { ...store, storePathRootDir: root };
  const controller = new BrokerController(
    { broker: { listenPort: 0, bindAddress: '127.0.0.1', namesrvAddr: '', ...broker }, store: storeConfig },
    { logger: silentLogger, remotingLogger: silentLogger, store: new MemoryMessageStore(storeConfig) },
  );
  await controller.start();
  const client = new RemotingClient({ logger: silentLogger });
  after(async () => {
    client.close();
    await controller.shutdown();
  });
  const call = (code: number, extFields: Record<string, string> = {}, body?: Buffer): Promise<RemotingCommand> =>
    client.invoke(controller.brokerAddr, createRequest(code, { extFields, body }), { timeoutMs: 15_000 });
  const send = (
    topic: string,
    body = 'body',
    options: { queueId?: number; properties?: Record<string, string>; sysFlag?: number; reconsumeTimes?: number } = {},
  ) =>
    call(
      RequestCode.SEND_MESSAGE_V2,
      SendMessageRequestHeaderV2.encode(
        sendHeader(topic, {
          queueId: options.queueId ?? 0,
          sysFlag: options.sysFlag ?? 0,
          properties: encodeProperties(options.properties ?? {}),
          reconsumeTimes: options.reconsumeTimes,
        }),
      ),
      Buffer.from(body),
    );
  const createTopic = (topic: string, queueNums = 1, perm = 6) =>
    call(RequestCode.UPDATE_AND_CREATE_TOPIC, {
      topic,
      defaultTopic: 'TBW102',
      readQueueNums: String(queueNums),
      writeQueueNums: String(queueNums),
      perm: String(perm),
      topicFilterType: 'SINGLE_TAG',
      order: 'false',
    });
  const heartbeat = (group: string, topic: string, clientID = 'client@1') =>
    call(
      RequestCode.HEART_BEAT,
      {},
      encodeJsonBody({
        clientID,
        producerDataSet: [{ groupName: 'P' }],
        consumerDataSet: [
          {
            groupName: group,
            consumeType: 'CONSUME_PASSIVELY',
            messageModel: 'CLUSTERING',
            consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
            subscriptionDataSet: [{ topic, subString: '*', tagsSet: [], codeSet: [], subVersion: 1 }],
          },
        ],
      }),
    );
  return { broker: controller, client, call, send, createTopic, heartbeat };
}

/** A send header as a producer of group P fills it, for a topic, with what a test changes. */
export function sendHeader(topic: string, changes: Partial<SendMessageRequestHeader> = {}): SendMessageRequestHeader {
  return {
    producerGroup: 'P',
    topic,
    defaultTopic: 'TBW102',
    defaultTopicQueueNums: 4,
    queueId: 0,
    sysFlag: 0,
    bornTimestamp: Date.now(),
    flag: 0,
    ...changes,
  };
}

/** A response's JSON body. */
export function json<T>(response: RemotingCommand): T {
  return JSON.parse(response.body!.toString('utf8')) as T;
}
