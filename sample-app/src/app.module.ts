import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
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
  /** dataDir was made for this run: remove it once the app and its embedded broker have shut down. */
  dataDirPerRun?: boolean;
}

/** Removes a per-run data directory at shutdown, after the broker closed its files (beforeApplicationShutdown). */
class PerRunDataDir implements OnApplicationShutdown {
  constructor(private readonly dir: string) {}

  onApplicationShutdown(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
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
          // A payment deadline may come late, never early: on a broker without timers (RocketMQ
          // 4.x) it goes at the first delay level not shorter than the timeout.
          deliverAtFallback: 'delayLevel',
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
        ...(settings.dataDirPerRun
          ? [{ provide: PerRunDataDir, useFactory: () => new PerRunDataDir(settings.dataDir) }]
          : []),
      ],
    };
  }
}
