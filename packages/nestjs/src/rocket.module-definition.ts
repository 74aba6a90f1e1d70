import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { RocketModuleOptions } from './rocket-module-options.js';
import { DEFAULT_CLIENT, ROCKET_CLIENT_NAME } from './rocket.constants.js';

export const {
  ConfigurableModuleClass: ConfigurableRocketModule,
  MODULE_OPTIONS_TOKEN: ROCKET_MODULE_OPTIONS,
  OPTIONS_TYPE: ROCKET_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: ROCKET_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<RocketModuleOptions>()
  .setClassMethodName('forRoot')
  // name: one of several clients in an app (a second cluster, say); its producer is injected with
  // @RocketProducer(name) and its listeners say { client: name }.
  .setExtras({ isGlobal: false, name: DEFAULT_CLIENT }, (definition, { isGlobal, name }) => ({
    ...definition,
    global: isGlobal,
    providers: [...(definition.providers ?? []), { provide: ROCKET_CLIENT_NAME, useValue: name }],
  }))
  .build();
