import { readFileSync } from 'node:fs';
import { plainToInstance, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateBy,
  ValidateNested,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { groupNameProblem } from '@rocketnest/protocol';
import type { RocketModuleOptions } from './rocket-module-options.js';

const ADDRESSES = /^\s*[^:;\s]+:\d{1,5}\s*(;\s*[^:;\s]+:\d{1,5}\s*)*;?\s*$/;

class EmbeddedBrokerSettings {
  @IsOptional()
  @IsBoolean({ message: 'embedded.inMemory must be true or false' })
  inMemory?: boolean;

  @IsOptional()
  @IsString({ message: 'embedded.dataDir must be a directory path' })
  @MinLength(1, { message: 'embedded.dataDir must be a directory path' })
  dataDir?: string;

  @IsOptional()
  @IsInt({ message: 'embedded.namesrvPort must be a port number (0-65535, 0 = a free one)' })
  @Min(0, { message: 'embedded.namesrvPort must be a port number (0-65535, 0 = a free one)' })
  @Max(65535, { message: 'embedded.namesrvPort must be a port number (0-65535, 0 = a free one)' })
  namesrvPort?: number;

  @IsOptional()
  @IsInt({ message: 'embedded.brokerPort must be a port number (0-65535, 0 = a free one)' })
  @Min(0, { message: 'embedded.brokerPort must be a port number (0-65535, 0 = a free one)' })
  @Max(65535, { message: 'embedded.brokerPort must be a port number (0-65535, 0 = a free one)' })
  brokerPort?: number;
}

/** The module's options as class-validator checks them at boot. */
class RocketModuleSettings {
  @IsOptional()
  @IsString()
  @Matches(ADDRESSES, {
    message: "namesrvAddr must be host:port entries separated by ';' (e.g. 10.0.0.1:9876;10.0.0.2:9876)",
  })
  namesrvAddr?: string;

  @IsOptional()
  @IsString({ message: "accessKey must be the accessKey of an account of the brokers' plain_acl.yml" })
  @MinLength(6, { message: 'accessKey must be at least 6 characters, as RocketMQ requires' })
  @ValidateBy({
    name: 'withSecretKey',
    validator: {
      validate: (_value, args) => Boolean((args?.object as RocketModuleSettings).secretKey),
      defaultMessage: () => 'accessKey needs its secretKey: give both or neither',
    },
  })
  accessKey?: string;

  @IsOptional()
  @IsString({ message: "secretKey must be the secretKey of the accessKey's account" })
  @MinLength(6, { message: 'secretKey must be at least 6 characters, as RocketMQ requires' })
  @ValidateBy({
    name: 'withAccessKey',
    validator: {
      validate: (_value, args) => Boolean((args?.object as RocketModuleSettings).accessKey),
      defaultMessage: () => 'secretKey needs its accessKey: give both or neither',
    },
  })
  secretKey?: string;

  @IsOptional()
  @ValidateBy({
    name: 'isGroupName',
    validator: {
      validate: (value) => groupNameProblem(value) === undefined,
      defaultMessage: (args) => `group: ${groupNameProblem(args?.value)}`,
    },
  })
  group?: string;

  @IsOptional()
  @IsBoolean({ message: 'registerListeners must be true or false' })
  registerListeners?: boolean;

  @IsOptional()
  @IsInt({ message: 'shutdownTimeoutMs must be a whole number of ms' })
  @Min(0, { message: 'shutdownTimeoutMs must be a whole number of ms' })
  shutdownTimeoutMs?: number;

  @IsOptional()
  @IsBoolean({ message: 'failFast must be true or false' })
  failFast?: boolean;

  @IsOptional()
  @IsBoolean({ message: 'createTopics must be true or false' })
  createTopics?: boolean;

  @IsOptional()
  @IsBoolean({ message: 'enableMsgTrace must be true or false' })
  enableMsgTrace?: boolean;

  @IsOptional()
  @IsIn(['refuse', 'delayLevel'], { message: "deliverAtFallback must be 'refuse' or 'delayLevel'" })
  deliverAtFallback?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => EmbeddedBrokerSettings)
  embedded?: EmbeddedBrokerSettings;
}

/** Thrown at boot: names every setting that is wrong and what it must be. */
export class RocketConfigError extends Error {}

function messages(errors: ValidationError[], source: Record<string, string>, prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = `${prefix}${error.property}`;
    const own = Object.values(error.constraints ?? {})
      .slice(0, 1)
      .map((text) => {
        const from = source[path] ? ` (from ${source[path]})` : '';
        // A secret never reaches a log line, even a wrong one.
        const got = SECRET_SETTINGS.has(path) ? '' : `, got ${JSON.stringify(error.value)}`;
        return `${text}${from}${got}`;
      });
    return [...own, ...messages(error.children ?? [], source, `${path}.`)];
  });
}

/**
 * Check module options at boot; a bad value throws one RocketConfigError naming the setting (and
 * the environment variable it came from) and what is expected.
 */
export function validateRocketOptions(
  options: RocketModuleOptions,
  source: Record<string, string> = {},
): RocketModuleOptions {
  const errors = validateSync(plainToInstance(RocketModuleSettings, options), { forbidUnknownValues: false });
  if (errors.length > 0) {
    throw new RocketConfigError(`RocketModule configuration: ${messages(errors, source).join('; ')}`);
  }
  return options;
}

const SECRET_SETTINGS = new Set(['secretKey']);

/** Where each option is read from by rocketOptionsFromEnv. */
const ENVIRONMENT: Record<string, string> = {
  namesrvAddr: 'ROCKET_NAMESRV_ADDR',
  accessKey: 'ROCKET_ACCESS_KEY',
  secretKey: 'ROCKET_SECRET_KEY',
  group: 'ROCKET_GROUP',
  registerListeners: 'ROCKET_REGISTER_LISTENERS',
  shutdownTimeoutMs: 'ROCKET_SHUTDOWN_TIMEOUT_MS',
  deliverAtFallback: 'ROCKET_DELIVER_AT_FALLBACK',
  failFast: 'ROCKET_FAIL_FAST',
  createTopics: 'ROCKET_CREATE_TOPICS',
  enableMsgTrace: 'ROCKET_ENABLE_MSG_TRACE',
  'embedded.inMemory': 'ROCKET_EMBEDDED_IN_MEMORY',
  'embedded.dataDir': 'ROCKET_DATA_DIR',
  'embedded.namesrvPort': 'ROCKET_NAMESRV_PORT',
  'embedded.brokerPort': 'ROCKET_BROKER_PORT',
};

/**
 * Module options from environment variables (or @nestjs/config's ConfigService: anything with
 * get(name)), validated: ROCKET_NAMESRV_ADDR, ROCKET_ACCESS_KEY and ROCKET_SECRET_KEY, ROCKET_TLS
 * (true: TLS with Node's defaults) or ROCKET_TLS_CA_FILE (TLS trusting that CA's PEM), ROCKET_GROUP, ROCKET_REGISTER_LISTENERS,
 * ROCKET_SHUTDOWN_TIMEOUT_MS, ROCKET_DELIVER_AT_FALLBACK, ROCKET_FAIL_FAST, ROCKET_CREATE_TOPICS, ROCKET_ENABLE_MSG_TRACE, and for the embedded broker ROCKET_EMBEDDED_IN_MEMORY,
 * ROCKET_DATA_DIR, ROCKET_NAMESRV_PORT, ROCKET_BROKER_PORT. Unset or empty variables are left out.
 */
export function rocketOptionsFromEnv(
  env: Record<string, string | undefined> | { get(name: string): unknown } = process.env,
  defaults: RocketModuleOptions = {},
): RocketModuleOptions {
  const read = (name: string): string | undefined => {
    const value =
      typeof env.get === 'function'
        ? (env as { get(name: string): unknown }).get(name)
        : (env as Record<string, unknown>)[name];
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const typed = (text: string | undefined, kind: 'string' | 'number' | 'boolean'): unknown => {
    if (text === undefined || kind === 'string') return text;
    if (kind === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
    return /^-?\d+$/.test(text) ? Number(text) : text;
  };
  const options: RocketModuleOptions = { ...defaults, embedded: { ...defaults.embedded } };
  const set = (path: string, kind: 'string' | 'number' | 'boolean') => {
    const value = typed(read(ENVIRONMENT[path]!), kind);
    if (value === undefined) return;
    const [head, tail] = path.split('.');
    if (tail) (options.embedded as Record<string, unknown>)[tail] = value;
    else (options as Record<string, unknown>)[head!] = value;
  };
  set('namesrvAddr', 'string');
  set('accessKey', 'string');
  set('secretKey', 'string');
  set('group', 'string');
  set('registerListeners', 'boolean');
  set('shutdownTimeoutMs', 'number');
  set('deliverAtFallback', 'string');
  set('failFast', 'boolean');
  set('createTopics', 'boolean');
  set('enableMsgTrace', 'boolean');
  set('embedded.inMemory', 'boolean');
  set('embedded.dataDir', 'string');
  set('embedded.namesrvPort', 'number');
  set('embedded.brokerPort', 'number');
  const caFile = read('ROCKET_TLS_CA_FILE');
  if (caFile) {
    try {
      options.tls = { ca: readFileSync(caFile) };
    } catch (error) {
      throw new RocketConfigError(
        `RocketModule configuration: ROCKET_TLS_CA_FILE ${caFile} cannot be read: ${(error as Error).message}`,
        { cause: error },
      );
    }
  } else if (read('ROCKET_TLS') !== undefined) {
    const tls = typed(read('ROCKET_TLS'), 'boolean');
    if (typeof tls !== 'boolean') {
      throw new RocketConfigError(`RocketModule configuration: ROCKET_TLS must be true or false, got "${String(tls)}"`);
    }
    options.tls = tls;
  }
  return validateRocketOptions(options, ENVIRONMENT);
}
