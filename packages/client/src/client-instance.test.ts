import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientInstance } from './client-instance.js';

describe('ClientInstance', () => {
  it('gives each client of a process its own id, as RocketMQ 4.x brokers push replies to the connection of an id', () => {
    const [first, second] = [1, 2].map(() => new ClientInstance({ namesrvAddr: '127.0.0.1:9876' }));
    assert.notEqual(first!.clientId, second!.clientId);
    assert.match(second!.clientId, new RegExp(`@${process.pid}-\\d+$`));
    assert.equal(
      new ClientInstance({ namesrvAddr: '127.0.0.1:9876', instanceName: 'orders' }).clientId.split('@')[1],
      'orders',
    );
  });
});
