import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressMatcher, normalizeHost } from './remote-address.js';

describe('ACL address patterns', () => {
  it('match as RocketMQ reads them', () => {
    const cases: [string, string, boolean][] = [
      ['', '127.0.0.1', false],
      ['*', '10.1.2.3', true],
      ['*.*.*.*', '10.1.2.3', true],
      ['192.168.0.*', '192.168.0.77', true],
      ['192.168.0.*', '192.168.1.77', false],
      ['192.168.*', '192.168.200.1', true],
      ['10.10.103.*', '::ffff:10.10.103.5', true],
      ['192.168.1.1-100', '192.168.1.100', true],
      ['192.168.1.1-100', '192.168.1.101', false],
      ['192.168.1-2.*', '192.168.2.9', true],
      ['192.168.1.{1,2,3}', '192.168.1.2', true],
      ['192.168.1.{1,2,3}', '192.168.1.4', false],
      ['127.0.0.1,127.0.0.2', '127.0.0.2', true],
      ['127.0.0.1', '127.0.0.1', true],
      ['127.0.0.1', '127.0.0.10', false],
      ['::1', '0:0:0:0:0:0:0:1', true],
      ['*:*:*:*:*:*:*:*', '::1', true],
    ];
    for (const [pattern, host, expected] of cases) {
      assert.equal(addressMatcher(pattern)(host), expected, `${pattern} vs ${host}`);
    }
  });

  it('refuse patterns that are none of RocketMQ forms, naming them', () => {
    for (const pattern of ['192.168.1.300', '192.168.*.1', 'host.example', '1.2.3.{4', '10.0.0.9-2', 'a,b']) {
      assert.throws(() => addressMatcher(pattern), /address pattern/, pattern);
    }
  });

  it('read an IPv4-mapped address as IPv4', () => {
    assert.equal(normalizeHost('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(normalizeHost('0:0::1'), '::1');
  });
});
