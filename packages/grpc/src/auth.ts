import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import type { PlainPermissionManager } from '@rocketnest/acl';
import type { AclCredentials } from '@rocketnest/protocol';
import { StatusError } from './status.js';

/** Who made a call: the v5 client's id, its host, and the account it signed with. */
export interface Caller {
  clientId: string;
  host: string;
  credentials: AclCredentials | undefined;
}

/** "MQv2-HMAC-SHA1 Credential=<AccessKey>, SignedHeaders=x-mq-date-time, Signature=<hex>" (the v5 clients' signer). */
const AUTHORIZATION =
  /^MQv2-HMAC-SHA1\s+Credential=([^,\s]+),\s*SignedHeaders=x-mq-date-time,\s*Signature=([0-9A-Fa-f]+)$/;

function header(metadata: Metadata, name: string): string | undefined {
  const value = metadata.get(name)[0];
  return value === undefined ? undefined : String(value);
}

/** The host of a gRPC peer ("127.0.0.1:5000", "[::1]:5000", "ipv4:..."). */
export function peerHost(peer: string): string {
  const address = peer.replace(/^ipv[46]:/, '');
  const bracketed = /^\[([^\]]+)\]/.exec(address);
  if (bracketed) return bracketed[1]!;
  return address.includes(':') && address.indexOf(':') === address.lastIndexOf(':')
    ? address.slice(0, address.indexOf(':'))
    : address;
}

/**
 * The caller of a call, its signature checked when the broker has ACL on: the account must
 * exist and the signature be the HMAC-SHA1 of x-mq-date-time under its secret key. Which
 * resources it may use is checked per request (see BrokerLink).
 */
export function callerOf(metadata: Metadata, peer: string, accounts: PlainPermissionManager | undefined): Caller {
  const clientId = header(metadata, 'x-mq-client-id');
  if (!clientId)
    throw new StatusError('CLIENT_ID_REQUIRED', 'the x-mq-client-id header is missing: v5 clients send it');
  const host = peerHost(peer);
  if (!accounts) return { clientId, host, credentials: undefined };
  const authorization = header(metadata, 'authorization');
  if (authorization === undefined) return { clientId, host, credentials: undefined };
  const parts = AUTHORIZATION.exec(authorization);
  if (!parts) {
    throw new StatusError(
      'UNAUTHORIZED',
      'the authorization header is not "MQv2-HMAC-SHA1 Credential=<AccessKey>, SignedHeaders=x-mq-date-time, Signature=<hex>"',
    );
  }
  const [, accessKey, signature] = parts as unknown as [string, string, string];
  const account = accounts.account(accessKey);
  if (!account)
    throw new StatusError(
      'UNAUTHORIZED',
      `No acl config for ${accessKey}: the broker's ACL files have no such account`,
    );
  const dateTime = header(metadata, 'x-mq-date-time') ?? '';
  const expected = createHmac('sha1', account.config.secretKey).update(dateTime).digest('hex').toUpperCase();
  const given = Buffer.from(signature.toUpperCase());
  if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) {
    throw new StatusError(
      'UNAUTHORIZED',
      `Check signature failed for accessKey=${accessKey}: x-mq-date-time was not signed with this account's secretKey`,
    );
  }
  return { clientId, host, credentials: { accessKey, secretKey: account.config.secretKey } };
}
