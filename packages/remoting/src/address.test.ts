import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exposureWarning, isLoopback } from './address.js';

describe('addresses', () => {
  it('tells loopback addresses from those other hosts can reach', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) assert.equal(isLoopback(host), true, host);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.1', '128.0.0.1', 'example.com'])
      assert.equal(isLoopback(host), false, host);
  });

  it('warns at boot of a server bound beyond loopback, saying what anyone can do and how not to be exposed', () => {
    assert.equal(exposureWarning('127.0.0.1', 10911, 'do anything'), undefined);
    assert.equal(
      exposureWarning('0.0.0.0', 10911, 'create and delete topics'),
      'listening on 0.0.0.0:10911 without access control: any host that reaches this port can create and delete topics. Bind 127.0.0.1 (bindAddress) or keep the port behind a firewall',
    );
    assert.match(exposureWarning('::', 9876, 'x')!, /listening on \[::\]:9876 without access control/);
  });
});
