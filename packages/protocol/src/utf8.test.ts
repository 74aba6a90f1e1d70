import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { readShortUtf8, utf8Length, writeUtf8 } from './utf8.js';

describe('UTF-8 helpers', () => {
  it('agree with Buffer on any string, short or long, ASCII or not', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
        const expected = Buffer.from(text, 'utf8');
        assert.equal(utf8Length(text), expected.length);
        const target = Buffer.alloc(expected.length + 2, 0xee);
        assert.equal(writeUtf8(target, text, 1), expected.length);
        assert.deepEqual(target.subarray(1, 1 + expected.length), expected);
        assert.equal(target[expected.length + 1], 0xee);
        assert.equal(readShortUtf8(target, 1, 1 + expected.length), expected.toString('utf8'));
      }),
    );
  });

  it('return the text of the bytes read, not a recent string with the same hash', () => {
    // "Aa" and "BB" share Java's hash; a hit must be checked byte by byte.
    assert.equal(readShortUtf8(Buffer.from('Aa'), 0, 2), 'Aa');
    assert.equal(readShortUtf8(Buffer.from('BB'), 0, 2), 'BB');
    assert.equal(readShortUtf8(Buffer.from('Aa'), 0, 2), 'Aa');
    const bytes = Buffer.from('xtopicx');
    assert.equal(readShortUtf8(bytes, 1, 6), 'topic');
    assert.equal(readShortUtf8(bytes, 1, 1), '');
    // Numbers are read without the cache, non-ASCII after a digit included.
    for (const text of ['1796353462123', '-1', '0', '42abc', '1é']) {
      assert.equal(readShortUtf8(Buffer.from(`x${text}`), 1, 1 + Buffer.byteLength(text)), text);
    }
  });
});
