import { Module, type DynamicModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { MessageProducer } from './message-producer.js';
import { DEFAULT_CLIENT } from './rocket.constants.js';
import { RocketConnection } from './rocket-connection.js';
import { RocketExplorer } from './rocket.explorer.js';
import { RocketMetadataAccessor } from './rocket-metadata.accessor.js';
import {
  ConfigurableRocketModule,
  ROCKET_ASYNC_OPTIONS_TYPE,
  ROCKET_OPTIONS_TYPE,
} from './rocket.module-definition.js';
import { getConnectionToken, getProducerToken } from './rocket.tokens.js';

/** A client's module exports its producer and connection under its name's tokens. */
function exportClient(module: DynamicModule, name: string = DEFAULT_CLIENT): DynamicModule {
  const named =
    name === DEFAULT_CLIENT
      ? []
      : [
          { provide: getConnectionToken(name), useExisting: RocketConnection },
          { provide: getProducerToken(name), useExisting: MessageProducer },
        ];
  return {
    ...module,
    providers: [...(module.providers ?? []), ...named],
    exports: [...(module.exports ?? []), getConnectionToken(name), getProducerToken(name)],
  };
}

/**
 * RocketMQ for NestJS: `RocketModule.forRoot({ namesrvAddr })` or `forRootAsync(...)`; without a
 * NameServer address an embedded NameServer and broker start in the app, so it works with zero
 * setup. Listeners are found by @RocketListener; producers are injected with @RocketProducer(name?).
 * Several clients: give each forRoot a name.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    RocketConnection,
    RocketExplorer,
    RocketMetadataAccessor,
    {
      provide: MessageProducer,
      useFactory: (connection: RocketConnection) => connection.producer,
      inject: [RocketConnection],
    },
  ],
})
export class RocketModule extends ConfigurableRocketModule {
  static override forRoot(options: typeof ROCKET_OPTIONS_TYPE): DynamicModule {
    return exportClient(super.forRoot(options), options.name);
  }

  static override forRootAsync(options: typeof ROCKET_ASYNC_OPTIONS_TYPE): DynamicModule {
    return exportClient(super.forRootAsync(options), options.name);
  }
}
