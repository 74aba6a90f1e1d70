import 'reflect-metadata';
import { ValidationPipe, type INestApplication, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule, type SampleSettings } from './app.module.js';

/** The order service as an HTTP app, listening on port (0: a free one). */
export async function createApp(
  settings: SampleSettings,
  port: number,
  logger?: LoggerService | false,
): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forSettings(settings), logger === undefined ? {} : { logger });
  app.useGlobalPipes(new ValidationPipe({ transform: true, whitelist: true }));
  app.enableShutdownHooks();
  await app.listen(port, '127.0.0.1');
  return app;
}
