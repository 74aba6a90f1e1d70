import { silentLogger } from '@rocketnest/common';
import {
  createRequest,
  encodeJsonBody,
  encodeProperties,
  PullMessageRequestHeader,
  PullSysFlag,
  RequestCode,
  SendMessageRequestHeaderV2,
  type HeartbeatData,
  type RemotingCommand,
} from '@rocketnest/protocol';
import { after } from 'node:test';
import { RemotingClient, type RemotingClientOptions } from '@rocketnest/remoting';

/** Raw requests, as any RocketMQ client frames them, for tests of the servers. */
export class Requests {
  constructor(private readonly client: RemotingClient) {}

  call(
    address: string,
    code: number,
    extFields: Record<string, string> = {},
    body?: Buffer,
    timeoutMs = 5000,
  ): Promise<RemotingCommand> {
    return this.client.invoke(address, createRequest(code, { extFields, body }), { timeoutMs });
  }

  send(
    address: string,
    topic: string,
    body: string | Buffer,
    options: {
      tags?: string;
      keys?: string;
      queueId?: number;
      group?: string;
      properties?: Record<string, string>;
      sysFlag?: number;
    } = {},
  ): Promise<RemotingCommand> {
    const properties: Record<string, string> = { WAIT: 'true', ...options.properties };
    if (options.tags) properties['TAGS'] = options.tags;
    if (options.keys) properties['KEYS'] = options.keys;
    const extFields = SendMessageRequestHeaderV2.encode({
      producerGroup: options.group ?? 'test-producer',
      topic,
      defaultTopic: 'TBW102',
      defaultTopicQueueNums: 4,
      queueId: options.queueId ?? 0,
      sysFlag: options.sysFlag ?? 0,
      bornTimestamp: Date.now(),
      flag: 0,
      properties: encodeProperties(properties),
    });
    return this.client.invoke(
      address,
      createRequest(RequestCode.SEND_MESSAGE_V2, {
        extFields,
        body: typeof body === 'string' ? Buffer.from(body) : body,
      }),
      { timeoutMs: 10_000 },
    );
  }

  pull(
    address: string,
    options: {
      group: string;
      topic: string;
      queueId: number;
      offset: number;
      subscription?: string;
      suspendMs?: number;
    },
  ): Promise<RemotingCommand> {
    const suspend = options.suspendMs !== undefined;
    const extFields = PullMessageRequestHeader.encode({
      consumerGroup: options.group,
      topic: options.topic,
      queueId: options.queueId,
      queueOffset: options.offset,
      maxMsgNums: 32,
      sysFlag: PullSysFlag.SUBSCRIPTION | (suspend ? PullSysFlag.SUSPEND : 0),
      commitOffset: 0,
      suspendTimeoutMillis: options.suspendMs ?? 0,
      subscription: options.subscription ?? '*',
      subVersion: 0,
      expressionType: 'TAG',
    });
    return this.client.invoke(address, createRequest(RequestCode.PULL_MESSAGE, { extFields }), {
      timeoutMs: (options.suspendMs ?? 0) + 10_000,
    });
  }

  heartbeat(address: string, clientID: string, group: string, topic: string): Promise<RemotingCommand> {
    const data: HeartbeatData = {
      clientID,
      producerDataSet: [],
      consumerDataSet: [
        {
          groupName: group,
          consumeType: 'CONSUME_PASSIVELY',
          messageModel: 'CLUSTERING',
          consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
          subscriptionDataSet: [
            { topic, subString: '*', tagsSet: [], codeSet: [], subVersion: Date.now(), expressionType: 'TAG' },
          ],
        },
      ],
    };
    return this.client.invoke(address, createRequest(RequestCode.HEART_BEAT, { body: encodeJsonBody(data) }), {
      timeoutMs: 5000,
    });
  }

  createTopic(address: string, topic: string, queueNums: number): Promise<RemotingCommand> {
    return this.call(address, RequestCode.UPDATE_AND_CREATE_TOPIC, {
      topic,
      defaultTopic: 'TBW102',
      readQueueNums: String(queueNums),
      writeQueueNums: String(queueNums),
      perm: '6',
      topicFilterType: 'SINGLE_TAG',
      order: 'false',
    });
  }
}

/** Requests over a client of their own (signing them, say, with options.beforeRequest), closed after the test. */
export function requestsClient(options: RemotingClientOptions = {}): Requests {
  const remoting = new RemotingClient({ logger: silentLogger, ...options });
  after(() => remoting.close());
  return new Requests(remoting);
}
