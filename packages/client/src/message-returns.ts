import {
  ConsumerSendMsgBackRequestHeader,
  createRequest,
  MessageConst,
  RequestCode,
  ResponseCode,
  type RemotingCommand,
} from '@rocketnest/protocol';
import type { ClientInstance } from './client-instance.js';
import type { DeliveryTimes } from './delivery-times.js';
import { MQClientError } from './errors.js';
import type { ReceivedMessage } from './received-message.js';
import { retryTopicRequest } from './retry-topic.js';

/**
 * Failed messages given back to their brokers: to be redelivered on the group's retry topic, or
 * sent to its dead-letter topic. Each call returns the messages a broker did not take, which the
 * consumer then retries itself: nothing is dropped.
 */
export class MessageReturns {
  constructor(
    private readonly instance: ClientInstance,
    private readonly group: string,
    /** Failures after which a message goes to the DLQ. */
    private readonly maxReconsumeTimes: number,
    private readonly masterOf: (brokerName: string) => Promise<string | undefined>,
    private readonly deliveryTimes: DeliveryTimes,
  ) {}

  /** CONSUMER_SEND_MSG_BACK each message at a delay level (-1: the DLQ). */
  sendBack(batch: ReceivedMessage[], delayLevel: number): Promise<ReceivedMessage[]> {
    return this.eachToItsBroker(batch, (message) =>
      createRequest(RequestCode.CONSUMER_SEND_MSG_BACK, {
        extFields: ConsumerSendMsgBackRequestHeader.encode({
          offset: message.commitLogOffset,
          group: this.group,
          delayLevel,
          originMsgId: message.msgId,
          originTopic: message.topic,
          maxReconsumeTimes: this.maxReconsumeTimes,
        }),
      }),
    );
  }

  /**
   * Send each message to the group's retry topic due in ms (a timer message: RETRY_TOPIC,
   * ORIGIN_MESSAGE_ID and the count go with it, as the Java client's fallback does); one that has
   * used its retries goes to the DLQ.
   */
  async retryAfter(batch: ReceivedMessage[], ms: number): Promise<ReceivedMessage[]> {
    const max = this.maxReconsumeTimes;
    const exhausted = batch.filter((message) => message.reconsumeTimes >= max);
    const kept = exhausted.length > 0 ? await this.sendBack(exhausted, -1) : [];
    // A broker without timers (RocketMQ 4.x) would deliver a timer message at once: it gets the
    // message back at the first delay level not shorter than ms instead.
    const timed: ReceivedMessage[] = [];
    const byLevel = new Map<number, ReceivedMessage[]>();
    for (const message of batch.filter((each) => each.reconsumeTimes < max)) {
      const address = await this.masterOf(message.brokerName);
      const level = address ? await this.deliveryTimes.levelFor(address, ms).catch(() => undefined) : undefined;
      if (level === undefined) timed.push(message);
      else byLevel.set(level, [...(byLevel.get(level) ?? []), message]);
    }
    for (const [level, messages] of byLevel) kept.push(...(await this.sendBack(messages, level)));
    const retried = await this.eachToItsBroker(timed, (message) =>
      retryTopicRequest(this.group, message, {
        producerGroup: this.group,
        reconsumeTimes: message.reconsumeTimes + 1,
        // This count includes the retry being made; the broker dead-letters at >= max.
        maxReconsumeTimes: max + 1,
        properties: {
          [MessageConst.ORIGIN_MESSAGE_ID]: message.properties[MessageConst.ORIGIN_MESSAGE_ID] ?? message.offsetMsgId,
          [MessageConst.RECONSUME_TIME]: String(message.reconsumeTimes + 1),
          [MessageConst.MAX_RECONSUME_TIMES]: String(max),
          [MessageConst.TIMER_DELAY_MS]: String(Math.round(ms)),
        },
      }),
    );
    return [...kept, ...retried];
  }

  /** Send each message's request to the master of its broker; returns the messages not answered SUCCESS. */
  private async eachToItsBroker(
    batch: ReceivedMessage[],
    request: (message: ReceivedMessage) => RemotingCommand,
  ): Promise<ReceivedMessage[]> {
    const kept: ReceivedMessage[] = [];
    for (const message of batch) {
      try {
        const address = await this.masterOf(message.brokerName);
        if (!address) throw new MQClientError(`no master for broker ${message.brokerName}`);
        const response = await this.instance.remoting.invoke(address, request(message));
        if (response.code !== ResponseCode.SUCCESS) kept.push(message);
      } catch {
        kept.push(message);
      }
    }
    return kept;
  }
}
