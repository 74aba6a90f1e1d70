import { Injectable } from '@nestjs/common';
import {
  TransactionalHandler,
  type RocketTransactionHandler,
  type TransactionMessage,
  type TransactionOutcome,
} from '@rocketnest/nestjs';
import { OrderDatabase, type Order } from './order-database.js';
import { ORDER_EVENTS, type OrderEvent } from './order.dto.js';

/**
 * The local transaction behind an "order created" event: the order row is inserted in the same
 * breath as the event is committed. If the row is written the event is committed; if the insert
 * throws, it is rolled back; if the answer is lost, the broker asks check(), which looks at the row.
 */
@Injectable()
@TransactionalHandler({ topic: ORDER_EVENTS, tag: 'created' })
export class OrderTransactions implements RocketTransactionHandler<Order> {
  constructor(private readonly db: OrderDatabase) {}

  execute(_message: TransactionMessage, order: Order): TransactionOutcome {
    this.db.transaction(() => this.db.insert(order));
    return 'commit';
  }

  check(message: TransactionMessage): TransactionOutcome {
    return this.db.find((message.payload as OrderEvent).orderId) ? 'commit' : 'rollback';
  }
}
