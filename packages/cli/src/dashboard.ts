import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DashboardModule } from '@rocketnest/dashboard';
import { connectionOptions, credentialsFrom, tlsFrom } from './connection-options.js';
import { DASHBOARD_USAGE } from './dashboard-usage.js';

/** `rocketnest dashboard`: the console's Nest module in an app of its own. */
export async function runDashboard(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      namesrvAddr: { type: 'string', short: 'n', default: process.env['NAMESRV_ADDR'] },
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      path: { type: 'string', default: '/' },
      ...connectionOptions,
    },
    strict: true,
  });
  if (!values.namesrvAddr)
    throw new Error(`give the NameServers: -n host:port[;host:port] or NAMESRV_ADDR\n${DASHBOARD_USAGE}`);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a port number, got "${values.port}"`);
  const credentials = credentialsFrom(values);
  const console_ = DashboardModule.forRoot({
    namesrvAddr: values.namesrvAddr,
    accessKey: credentials?.accessKey,
    secretKey: credentials?.secretKey,
    tls: tlsFrom(values),
    path: values.path.replace(/^\/+|\/+$/g, ''),
  });

  @Module({ imports: [console_] })
  class DashboardApp {}

  const app = await NestFactory.create(DashboardApp, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  await app.listen(port, values.host);
  const address = app.getHttpServer().address() as { port: number };
  console.log(`RocketNest console on http://${values.host}:${address.port}${values.path} for ${values.namesrvAddr}`);
}
