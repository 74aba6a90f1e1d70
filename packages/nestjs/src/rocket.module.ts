import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { RocketConnection } from './rocket-connection.js';
import { RocketExplorer } from './rocket.explorer.js';
import { ConfigurableRocketModule } from './rocket.module-definition.js';
import { MessageProducer } from './message-producer.js';

/**
 * RocketMQ for NestJS: `RocketModule.forRoot({ namesrvAddr })` or `forRootAsync(...)`; without a
 * NameServer address an embedded NameServer and broker start in the app, so it works with zero
 * setup. Listeners are found by @RocketListener; producers are injected with @InjectRocketProducer.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    RocketConnection,
    RocketExplorer,
    {
      provide: MessageProducer,
      useFactory: (connection: RocketConnection) => connection.producer,
      inject: [RocketConnection],
    },
  ],
  exports: [MessageProducer, RocketConnection],
})
export class RocketModule extends ConfigurableRocketModule {}
