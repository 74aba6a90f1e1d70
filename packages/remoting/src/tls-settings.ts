import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type * as tls from 'node:tls';
import { parseProperties } from '@rocketnest/common';

/**
 * How a server treats TLS (RocketMQ's tls.server.mode): disabled serves plain TCP only,
 * permissive serves TLS and plain TCP on one port (told apart by the first byte, 0x16 for a TLS
 * handshake), enforcing serves TLS only.
 */
export type TlsMode = 'disabled' | 'permissive' | 'enforcing';

/** What tls.server.* settings give a server. */
export interface ServerTls {
  mode: Exclude<TlsMode, 'disabled'>;
  options: tls.TlsOptions;
  /** tls.server.need.client.auth: none, optional (checked when sent) or require (refused without). */
  clientAuth: 'none' | 'optional' | 'require';
}

/** RocketMQ's TLS settings (TlsSystemConfig), which broker.conf and namesrv.properties may hold. */
export const TLS_KEYS = [
  'tls.config.file',
  'tls.test.mode.enable',
  'tls.server.mode',
  'tls.server.need.client.auth',
  'tls.server.keyPath',
  'tls.server.keyPassword',
  'tls.server.certPath',
  'tls.server.authClient',
  'tls.server.trustCertPath',
  'tls.enable',
  'tls.client.keyPath',
  'tls.client.keyPassword',
  'tls.client.certPath',
  'tls.client.authServer',
  'tls.client.trustCertPath',
] as const;

/** The tls.* settings of properties, with those of its tls.config.file under them (RocketMQ reads that file too). */
function tlsProperties(properties: Readonly<Record<string, string>>, source: string): Record<string, string> {
  const file = properties['tls.config.file'];
  if (!file) return { ...properties };
  const path = resolve(dirname(source), file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`${source}: tls.config.file ${path} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  return { ...parseProperties(text), ...properties };
}

function pem(settings: Record<string, string>, key: string, source: string): Buffer | undefined {
  const path = settings[key];
  if (!path) return undefined;
  try {
    return readFileSync(resolve(dirname(source), path));
  } catch (error) {
    throw new Error(`${source}: ${key} ${path} cannot be read: ${(error as Error).message}`, { cause: error });
  }
}

function oneOf<T extends string>(
  settings: Record<string, string>,
  key: string,
  values: T[],
  fallback: T,
  source: string,
): T {
  const value = (settings[key] ?? fallback).trim() as T;
  if (!values.includes(value)) throw new Error(`${source}: ${key} must be ${values.join(', ')}; got "${value}"`);
  return value;
}

const isTrue = (value: string | undefined) => value?.trim() === 'true';

/**
 * A server's TLS from RocketMQ's tls.server.* settings; undefined when tls.server.mode is
 * disabled (the default here: RocketMQ 4.9 defaults to permissive with a self-signed test
 * certificate, which a production server must not rely on). Certificate files are read now, so
 * a missing one stops the server naming the key.
 */
export function serverTlsFromProperties(
  properties: Readonly<Record<string, string>>,
  source: string,
): ServerTls | undefined {
  return serverTlsIn(tlsProperties(properties, source), source);
}

/** serverTlsFromProperties over settings with tls.config.file's already merged in. */
function serverTlsIn(settings: Record<string, string>, source: string): ServerTls | undefined {
  const mode = oneOf<TlsMode>(settings, 'tls.server.mode', ['disabled', 'permissive', 'enforcing'], 'disabled', source);
  if (mode === 'disabled') return undefined;
  const key = pem(settings, 'tls.server.keyPath', source);
  const cert = pem(settings, 'tls.server.certPath', source);
  if (!key || !cert) {
    throw new Error(
      `${source}: tls.server.mode ${mode} needs tls.server.keyPath and tls.server.certPath (PEM files); RocketMQ's self-signed test certificate (tls.test.mode.enable) is not offered`,
    );
  }
  const clientAuth = oneOf(settings, 'tls.server.need.client.auth', ['none', 'optional', 'require'], 'none', source);
  const authClient = isTrue(settings['tls.server.authClient']);
  const ca = pem(settings, 'tls.server.trustCertPath', source);
  if (authClient && !ca) {
    throw new Error(
      `${source}: tls.server.authClient needs tls.server.trustCertPath, the CA that signs client certificates`,
    );
  }
  const options: tls.TlsOptions = {
    key,
    cert,
    passphrase: settings['tls.server.keyPassword'] || undefined,
    ca,
    requestCert: clientAuth !== 'none',
    // Without authClient a client certificate is asked for but not checked, as RocketMQ's
    // InsecureTrustManagerFactory does; RemotingServer still refuses a missing one under require.
    rejectUnauthorized: authClient,
  };
  return { mode, options, clientAuth };
}

/**
 * The TLS a client side uses (tls.enable with tls.client.*), or undefined for plain TCP. The
 * server's certificate is checked against tls.client.trustCertPath when tls.client.authServer is
 * true, by its chain only: as RocketMQ's clients, brokers are reached by IP (brokerIP1), which
 * certificates seldom name.
 */
export function clientTlsFromProperties(
  properties: Readonly<Record<string, string>>,
  source: string,
): tls.ConnectionOptions | undefined {
  return clientTlsIn(tlsProperties(properties, source), source);
}

/** clientTlsFromProperties over settings with tls.config.file's already merged in. */
function clientTlsIn(settings: Record<string, string>, source: string): tls.ConnectionOptions | undefined {
  if (!isTrue(settings['tls.enable'])) return undefined;
  const authServer = isTrue(settings['tls.client.authServer']);
  const ca = pem(settings, 'tls.client.trustCertPath', source);
  if (authServer && !ca) {
    throw new Error(
      `${source}: tls.client.authServer needs tls.client.trustCertPath, the CA that signs server certificates`,
    );
  }
  return {
    key: pem(settings, 'tls.client.keyPath', source),
    cert: pem(settings, 'tls.client.certPath', source),
    passphrase: settings['tls.client.keyPassword'] || undefined,
    ca,
    rejectUnauthorized: authServer,
    checkServerIdentity: () => undefined,
  };
}

/** A server process's TLS: for the ports it serves, and for the connections it opens itself. */
export interface ProcessTls {
  server?: ServerTls | undefined;
  client?: tls.ConnectionOptions | undefined;
}

/** Both sides' TLS from one properties file (broker.conf, namesrv.properties). */
export function tlsFromProperties(properties: Readonly<Record<string, string>>, source: string): ProcessTls {
  // tls.config.file is read once for both sides.
  const settings = tlsProperties(properties, source);
  return { server: serverTlsIn(settings, source), client: clientTlsIn(settings, source) };
}

/** RemotingServer options that serve a ServerTls. */
export function serverTlsOptions(server: ServerTls | undefined): {
  tls?: tls.TlsOptions;
  tlsMode?: Exclude<TlsMode, 'disabled'>;
  tlsClientAuth?: ServerTls['clientAuth'];
} {
  if (!server) return {};
  return { tls: server.options, tlsMode: server.mode, tlsClientAuth: server.clientAuth };
}
