import { ConfigurableModuleBuilder, type CanActivate, type Type } from '@nestjs/common';
import type { ConnectionOptions } from 'node:tls';

/** Where the console's cluster is and how to reach it. */
export interface DashboardModuleOptions {
  /** The cluster's NameServers, host:port[;host:port]: RocketNest's or Apache RocketMQ's. */
  namesrvAddr: string;
  /** An account of the brokers' plain_acl.yml, where ACL is on (an admin one to change things). */
  accessKey?: string | undefined;
  secretKey?: string | undefined;
  tls?: boolean | ConnectionOptions | undefined;
  /** Seconds between the TPS and lag samples the charts draw (default 10). */
  sampleIntervalSeconds?: number | undefined;
}

/** Where the console is mounted and who may use it: given at import time, for forRoot and forRootAsync alike. */
export interface DashboardMount {
  /** The path the console's pages are under (default 'rocketmq'). */
  path?: string;
  /** Nest guards every page and action of the console goes through (besides the app's global ones). */
  guards?: Type<CanActivate>[];
}

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<DashboardModuleOptions>()
    .setClassMethodName('forRoot')
    .setExtras<DashboardMount>({ path: 'rocketmq', guards: [] }, (definition) => definition)
    .build();
