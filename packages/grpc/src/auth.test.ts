import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import type { PlainPermissionManager } from '@rocketnest/acl';
import { callerOf, peerHost } from './auth.js';
import { StatusError } from './status.js';

/** The account table callerOf reads: one account. */
const accounts = {
  account: (accessKey: string) => (accessKey === 'app' ? { config: { secretKey: 'app-secret' } } : undefined),
} as unknown as PlainPermissionManager;

function metadata(authorization?: string, dateTime = '20261207T120000Z'): Metadata {
  const result = new Metadata();
  result.set('x-mq-client-id', 'client-1');
  result.set('x-mq-date-time', dateTime);
  if (authorization) result.set('authorization', authorization);
  return result;
}

/** The header a v5 client signs with (its util.sign: HMAC-SHA1 of the date-time, upper-case hex). */
function signed(secret: string, dateTime = '20261207T120000Z'): string {
  const signature = createHmac('sha1', secret).update(dateTime).digest('hex').toUpperCase();
  return `MQv2-HMAC-SHA1 Credential=app, SignedHeaders=x-mq-date-time, Signature=${signature}`;
}

const code = (expected: string) => (error: unknown) => error instanceof StatusError && error.code === expected;

describe('the v5 clients’ credentials', () => {
  it('takes the host out of a gRPC peer', () => {
    assert.equal(peerHost('127.0.0.1:5000'), '127.0.0.1');
    assert.equal(peerHost('ipv4:10.0.0.2:5000'), '10.0.0.2');
    assert.equal(peerHost('[::1]:5000'), '::1');
    assert.equal(peerHost('ipv6:[fe80::1]:5000'), 'fe80::1');
  });

  it('accepts a signature made with the account’s secret key and refuses others', () => {
    const caller = callerOf(metadata(signed('app-secret')), '127.0.0.1:1', accounts);
    assert.deepEqual(caller, {
      clientId: 'client-1',
      host: '127.0.0.1',
      credentials: { accessKey: 'app', secretKey: 'app-secret' },
    });
    assert.throws(() => callerOf(metadata(signed('other')), '127.0.0.1:1', accounts), code('UNAUTHORIZED'));
    assert.throws(
      () =>
        callerOf(metadata(signed('app-secret').replace('Credential=app', 'Credential=ghost')), '127.0.0.1:1', accounts),
      code('UNAUTHORIZED'),
    );
    assert.throws(() => callerOf(metadata('Basic abc'), '127.0.0.1:1', accounts), code('UNAUTHORIZED'));
    // Unsigned: no credentials; each request is then refused as the broker refuses unsigned ones.
    assert.equal(callerOf(metadata(), '127.0.0.1:1', accounts).credentials, undefined);
    // Without ACL, credentials are not looked at.
    assert.equal(callerOf(metadata(signed('other')), '127.0.0.1:1', undefined).credentials, undefined);
  });

  it('needs the client id', () => {
    assert.throws(() => callerOf(new Metadata(), '127.0.0.1:1', undefined), code('CLIENT_ID_REQUIRED'));
  });
});
