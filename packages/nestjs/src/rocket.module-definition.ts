import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { RocketModuleOptions } from './rocket-module-options.js';

export const {
  ConfigurableModuleClass: ConfigurableRocketModule,
  MODULE_OPTIONS_TOKEN: ROCKET_MODULE_OPTIONS,
  OPTIONS_TYPE: ROCKET_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: ROCKET_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<RocketModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
