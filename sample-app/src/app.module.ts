import { join } from 'node:path';
import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { RocketModule } from '@rocketnest/nestjs';
import { RocketHealthIndicator } from '@rocketnest/nestjs/health';
import { HealthController } from './health.controller.js';
import { OrderDatabase } from './orders/order-database.js';
import { OrderListeners } from './orders/order-listeners.js';
import { OrderTransactions } from './orders/order-transactions.js';
import { OrdersController } from './orders/orders.controller.js';
import { OrdersService, PAYMENT_TIMEOUT_MS } from './orders/orders.service.js';

export interface SampleSettings {
  /** A RocketMQ cluster's NameServers; unset: the embedded broker. */
  namesrvAddr?: string | undefined;
  dataDir: string;
  namesrvPort: number;
  brokerPort: number;
  paymentTimeoutMs: number;
}

@Module({})
export class AppModule {
  static forSettings(settings: SampleSettings): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RocketModule.forRoot({
          namesrvAddr: settings.namesrvAddr,
          group: 'order-service',
          embedded: {
            inMemory: false,
            dataDir: join(settings.dataDir, 'broker'),
            namesrvPort: settings.namesrvPort,
            brokerPort: settings.brokerPort,
          },
        }),
        TerminusModule,
      ],
      controllers: [OrdersController, HealthController],
      providers: [
        { provide: OrderDatabase, useFactory: () => OrderDatabase.open(join(settings.dataDir, 'orders.sqlite')) },
        { provide: PAYMENT_TIMEOUT_MS, useValue: settings.paymentTimeoutMs },
        OrdersService,
        OrderTransactions,
        OrderListeners,
        RocketHealthIndicator,
      ],
    };
  }
}
