import { Module, type DynamicModule } from '@nestjs/common';
import { mountedController } from './dashboard.controller.js';
import {
  ASYNC_OPTIONS_TYPE,
  ConfigurableModuleClass,
  OPTIONS_TYPE,
  type DashboardMount,
} from './dashboard.module-definition.js';
import { DashboardService } from './dashboard.service.js';

/**
 * The RocketMQ console, mounted in the app at `path` (default /rocketmq), behind the app's global
 * guards and any given in `guards`:
 *
 *   DashboardModule.forRoot({ namesrvAddr: '127.0.0.1:9876', path: 'admin/rocketmq', guards: [AdminGuard] })
 *
 * It reads and changes the cluster through RocketMQ's admin requests: RocketNest's or Apache RocketMQ's.
 */
@Module({ providers: [DashboardService] })
export class DashboardModule extends ConfigurableModuleClass {
  static override forRoot(options: typeof OPTIONS_TYPE): DynamicModule {
    return withController(super.forRoot(options), options);
  }

  static override forRootAsync(options: typeof ASYNC_OPTIONS_TYPE): DynamicModule {
    return withController(super.forRootAsync(options), options);
  }
}

function withController(definition: DynamicModule, mount: DashboardMount): DynamicModule {
  return { ...definition, controllers: [mountedController(mount)] };
}
