import { DEFAULT_DELAY_LEVELS, parseDelayLevels, parseProperties } from '@rocketnest/common';
import { createRequest, RequestCode, ResponseCode } from '@rocketnest/protocol';
import type { ClientInstance } from './client-instance.js';
import { MQBrokerError, MQClientError } from './errors.js';
import type { Message } from './message.js';

/**
 * What a producer does with a delivery time (deliverAt) bound for a broker without RocketMQ 5's
 * timers, which would store it and deliver it at once: 'refuse' (the default) rejects the send,
 * 'delayLevel' sends it with the smallest delay level that is not early.
 */
export type DeliverAtFallback = 'refuse' | 'delayLevel';

interface BrokerTimers {
  /** timerWheelEnable=true in its config: TIMER_DELIVER_MS is honoured (RocketMQ 5, RocketNest). */
  timers: boolean;
  /** messageDelayLevel, in ms. */
  levels: number[];
}

/**
 * Delivery times checked against the brokers a message may go to. Each broker's config is asked
 * once (GET_BROKER_CONFIG: RocketMQ 4.x brokers lack timerWheelEnable), then kept.
 */
export class DeliveryTimes {
  private readonly brokers = new Map<string, Promise<BrokerTimers>>();

  constructor(private readonly instance: ClientInstance) {}

  /** The message as it may be sent to these brokers: as it is, with a delay level instead, or refused. */
  async adapt(message: Message, brokerAddresses: readonly string[], fallback: DeliverAtFallback): Promise<Message> {
    if (message.deliverAt === undefined || message.delayLevel) return message;
    const brokers = await Promise.all(brokerAddresses.map((address) => this.timersOf(address)));
    if (brokers.every((broker) => broker.timers)) return message;
    const delayMs = Number(message.deliverAt) - Date.now();
    if (fallback === 'refuse') {
      throw new MQClientError(
        `a delivery time (deliverAt, ${delayMs} ms ahead) cannot be kept on ${message.topic}: its broker has no timers ` +
          '(timerWheelEnable; RocketMQ 4.x) and would deliver the message at once. Use a delay level, a RocketMQ 5 or ' +
          "RocketNest broker, or the producer option deliverAtFallback: 'delayLevel'",
      );
    }
    const withoutTime = { ...message, deliverAt: undefined };
    if (delayMs <= 0) return withoutTime; // due already: now is not early
    // The first level every broker holds it at least as long as asked.
    const level = Math.max(...brokers.map((broker) => broker.levels.findIndex((ms) => ms >= delayMs)));
    if (brokers.some((broker) => broker.levels.at(-1)! < delayMs)) {
      throw new MQClientError(
        `a delivery time ${delayMs} ms ahead is beyond the longest delay level of ${message.topic}'s broker ` +
          `(${Math.max(...brokers.map((broker) => broker.levels.at(-1)!))} ms) and it has no timers: ` +
          'send it closer to its time, or use a RocketMQ 5 or RocketNest broker',
      );
    }
    return { ...withoutTime, delayLevel: level + 1 };
  }

  /**
   * The delay level that holds a message at least delayMs on this broker (its longest, beyond
   * that), or undefined when the broker keeps delivery times itself: how a retry after a given
   * time (Retry.after, retryDelayMs) goes back to a RocketMQ 4.x broker without coming back early.
   */
  async levelFor(address: string, delayMs: number): Promise<number | undefined> {
    const broker = await this.timersOf(address);
    if (broker.timers) return undefined;
    const index = broker.levels.findIndex((ms) => ms >= delayMs);
    return (index < 0 ? broker.levels.length - 1 : index) + 1;
  }

  private timersOf(address: string): Promise<BrokerTimers> {
    let known = this.brokers.get(address);
    if (!known) {
      known = this.ask(address);
      this.brokers.set(address, known);
      known.catch(() => this.brokers.delete(address)); // asked again next time
    }
    return known;
  }

  private async ask(address: string): Promise<BrokerTimers> {
    const response = await this.instance.remoting.invoke(address, createRequest(RequestCode.GET_BROKER_CONFIG));
    if (response.code !== ResponseCode.SUCCESS) {
      throw new MQBrokerError(
        response.code,
        `cannot tell whether broker ${address} keeps delivery times (GET_BROKER_CONFIG: ${response.remark ?? 'refused'})`,
        address,
      );
    }
    const config = parseProperties(response.body?.toString('utf8') ?? '');
    return {
      timers: config['timerWheelEnable'] === 'true',
      levels: parseDelayLevels(config['messageDelayLevel'] ?? DEFAULT_DELAY_LEVELS),
    };
  }
}
