import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { AclCredentials } from '@rocketnest/client';

/**
 * The options that say how a command connects: the ACL account it signs with and whether it uses
 * TLS (the environment's by default).
 */
export const connectionOptions = {
  'access-key': { type: 'string', default: process.env['ROCKET_ACCESS_KEY'] },
  'secret-key': { type: 'string', default: process.env['ROCKET_SECRET_KEY'] },
  tls: { type: 'boolean', default: process.env['ROCKET_TLS'] === 'true' },
  'tls-ca': { type: 'string', default: process.env['ROCKET_TLS_CA_FILE'] },
} as const;

export const CONNECTION_USAGE = `  Against brokers with aclEnable on, the admin and bench commands sign their requests with
  --access-key K --secret-key S (or ROCKET_ACCESS_KEY and ROCKET_SECRET_KEY); against TLS ports
  they connect with --tls (ROCKET_TLS=true), trusting the CA of --tls-ca file.pem (ROCKET_TLS_CA_FILE).`;

/** TLS as --tls and --tls-ca ask: undefined for plain TCP. */
export function tlsFrom(values: {
  tls?: boolean | undefined;
  'tls-ca'?: string | undefined;
}): ConnectionOptions | boolean | undefined {
  const caFile = values['tls-ca'];
  if (caFile) return { ca: readFileSync(caFile) };
  return values.tls ? true : undefined;
}

/** The account given, undefined for none; one without the other is an error that says so. */
export function credentialsFrom(values: {
  'access-key'?: string | undefined;
  'secret-key'?: string | undefined;
}): AclCredentials | undefined {
  const { 'access-key': accessKey, 'secret-key': secretKey } = values;
  if (!accessKey && !secretKey) return undefined;
  if (!accessKey || !secretKey) {
    throw new Error('--access-key and --secret-key go together (ROCKET_ACCESS_KEY, ROCKET_SECRET_KEY): give both');
  }
  return { accessKey, secretKey };
}
