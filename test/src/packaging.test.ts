import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';

const require = createRequire(import.meta.url);

describe('packages', () => {
  // NestJS 12 is ESM-only, so we are too; without top-level await, CommonJS code on Node
  // 20.19+ can still require() us.
  for (const [name, exported] of [
    ['@rocketnest/common', 'consoleLogger'],
    ['@rocketnest/protocol', 'encodeFrame'],
    ['@rocketnest/remoting', 'RemotingServer'],
  ] as const) {
    it(`${name} loads with require() from CommonJS`, () => {
      const loaded = require(name) as Record<string, unknown>;
      assert.equal(typeof loaded[exported], 'function');
    });
  }
});
