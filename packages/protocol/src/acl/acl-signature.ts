import { createHmac } from 'node:crypto';
import type { ExtFields, RemotingCommand } from '../remoting-command.js';

/** The ext fields RocketMQ's ACL 1.0 adds to a signed request (SessionCredentials.java). */
export const AclField = {
  ACCESS_KEY: 'AccessKey',
  SIGNATURE: 'Signature',
  SECURITY_TOKEN: 'SecurityToken',
} as const;

/** An account of plain_acl.yml as a client holds it. */
export interface AclCredentials {
  accessKey: string;
  secretKey: string;
  /** Sent as SecurityToken and signed with the rest when set (STS tokens). */
  securityToken?: string | undefined;
}

/**
 * Fields a broker leaves out of the signed content besides Signature: the Java client adds
 * _UNIQUE_KEY_QUERY to a QUERY_MESSAGE after signing it (PlainAccessValidator.parse).
 */
const UNSIGNED_FIELDS = new Set<string>([AclField.SIGNATURE, '_UNIQUE_KEY_QUERY']);

/**
 * What a signature covers: the values of every ext field but the unsigned ones, in the order of
 * their keys (Java's TreeMap: UTF-16 code units, as String.prototype sort compares), joined
 * without separators, then the body's bytes.
 */
export function aclSignedContent(extFields: ExtFields, body?: Buffer): Buffer {
  const keys = Object.keys(extFields)
    .filter((key) => !UNSIGNED_FIELDS.has(key))
    .sort();
  const text = Buffer.from(keys.map((key) => extFields[key]).join(''), 'utf8');
  return body && body.length > 0 ? Buffer.concat([text, body]) : text;
}

/** Base64 of HMAC-SHA1 of content keyed by the secret key (AclSigner.calSignature). */
export function aclSignature(content: Buffer, secretKey: string): string {
  return createHmac('sha1', Buffer.from(secretKey, 'utf8')).update(content).digest('base64');
}

/** Sign a request as AclClientRPCHook does: add AccessKey (and SecurityToken), then Signature. */
export function signRequest(request: RemotingCommand, credentials: AclCredentials): void {
  // A copy: the caller's header object may be reused for another request.
  const fields: ExtFields = { ...request.extFields, [AclField.ACCESS_KEY]: credentials.accessKey };
  delete fields[AclField.SIGNATURE];
  if (credentials.securityToken) fields[AclField.SECURITY_TOKEN] = credentials.securityToken;
  fields[AclField.SIGNATURE] = aclSignature(aclSignedContent(fields, request.body), credentials.secretKey);
  request.extFields = fields;
}
