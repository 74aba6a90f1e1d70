import { Injectable, Logger } from '@nestjs/common';
import { RocketListener, RocketMessage } from '@rocketnest/nestjs';
import type { ReceivedMessage } from '@rocketnest/client';
import { OrderDatabase } from './order-database.js';
import { ORDER_EVENTS, OrderEvent, PAYMENT_DEADLINES } from './order.dto.js';
import { OrdersService } from './orders.service.js';

@Injectable()
export class OrderListeners {
  private readonly logger = new Logger(OrderListeners.name);

  constructor(
    private readonly db: OrderDatabase,
    private readonly orders: OrdersService,
  ) {}

  /** The order's history, one order's events strictly in order. A malformed event goes to the DLQ. */
  @RocketListener(ORDER_EVENTS, '*', {
    group: 'order-history',
    orderly: true,
    consumeFrom: 'first',
    maxReconsumeTimes: 3,
  })
  record(event: OrderEvent, @RocketMessage() message: ReceivedMessage) {
    this.db.recordEvent(event.orderId, event.type);
    this.logger.log(`order ${event.orderId}: ${event.type} (queue ${message.queueId})`);
  }

  /** Cancel an order still unpaid when its payment deadline comes. */
  @RocketListener(PAYMENT_DEADLINES, '*', { group: 'order-deadlines', consumeFrom: 'first' })
  async deadline(payload: { orderId: string }) {
    if (await this.orders.expire(payload.orderId)) this.logger.log(`order ${payload.orderId}: unpaid, cancelled`);
  }
}
