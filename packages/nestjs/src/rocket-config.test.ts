import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { RocketConfigError, rocketOptionsFromEnv } from './rocket-config.js';
import { RocketModule } from './rocket.module.js';

describe('RocketModule configuration', () => {
  it('reads options from environment variables or a ConfigService, typed', () => {
    assert.deepEqual(
      rocketOptionsFromEnv({
        ROCKET_NAMESRV_ADDR: '10.0.0.1:9876;10.0.0.2:9876',
        ROCKET_GROUP: 'billing',
        ROCKET_REGISTER_LISTENERS: 'false',
        ROCKET_NAMESRV_PORT: '0',
        ROCKET_DATA_DIR: '',
        ROCKET_DELIVER_AT_FALLBACK: 'delayLevel',
      }),
      {
        namesrvAddr: '10.0.0.1:9876;10.0.0.2:9876',
        group: 'billing',
        registerListeners: false,
        deliverAtFallback: 'delayLevel',
        embedded: { namesrvPort: 0 },
      },
    );
    const config = new Map([['ROCKET_GROUP', 'from-config']]);
    assert.equal(rocketOptionsFromEnv(config).group, 'from-config');
  });

  it('refuses bad values with one message naming each key, where it came from and what is expected', () => {
    assert.throws(
      () =>
        rocketOptionsFromEnv({
          ROCKET_NAMESRV_PORT: '99999',
          ROCKET_REGISTER_LISTENERS: 'maybe',
          ROCKET_DELIVER_AT_FALLBACK: 'now',
        }),
      (error: unknown) =>
        error instanceof RocketConfigError &&
        /deliverAtFallback must be 'refuse' or 'delayLevel' \(from ROCKET_DELIVER_AT_FALLBACK\), got "now"/.test(
          error.message,
        ) &&
        /registerListeners must be true or false \(from ROCKET_REGISTER_LISTENERS\), got "maybe"/.test(error.message) &&
        /embedded\.namesrvPort must be a port number \(0-65535, 0 = a free one\) \(from ROCKET_NAMESRV_PORT\), got 99999/.test(
          error.message,
        ),
    );
  });

  it('stops boot when forRoot is given a bad value', async () => {
    @Module({ imports: [RocketModule.forRoot({ namesrvAddr: 'localhost' })] })
    class Misconfigured {}
    await assert.rejects(
      NestFactory.createApplicationContext(Misconfigured, { logger: false, abortOnError: false }),
      /RocketModule configuration: namesrvAddr must be host:port entries separated by ';'.*got "localhost"/,
    );
  });
});
