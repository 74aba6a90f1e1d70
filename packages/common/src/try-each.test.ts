import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tryEach } from './try-each.js';

describe('tryEach', () => {
  it('runs every step, also after failures, and returns the failures in order', async () => {
    const ran: string[] = [];
    const failures = await tryEach([
      { what: 'a', run: () => ran.push('a') },
      {
        what: 'b',
        run: () => {
          ran.push('b');
          throw new Error('ENOSPC');
        },
      },
      {
        what: 'c',
        run: async () => {
          ran.push('c');
          await Promise.reject(new Error('EIO'));
        },
      },
      { what: 'd', run: () => ran.push('d') },
    ]);
    assert.deepEqual(ran, ['a', 'b', 'c', 'd']);
    assert.deepEqual(
      failures.map((f) => `${f.step.what}: ${f.error.message}`),
      ['b: ENOSPC', 'c: EIO'],
    );
  });
});
