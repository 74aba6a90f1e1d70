import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getInt16, getInt32, getUint32, putInt16, putInt32, putInt8 } from './bytes.js';
import { readLong, writeLong } from './message/long.js';

const int32s = [0, 1, -1, 0x7fffffff, -0x80000000, 0x12345678, -0x12345678, 255, 256, -256];
const int16s = [0, 1, -1, 0x7fff, -0x8000, 0x1234, -0x1234, 255, -256];

test('32- and 16-bit integers are the bytes Buffer writes and reads back the same', () => {
  const ours = Buffer.alloc(8);
  const buffers = Buffer.alloc(8);
  for (const value of int32s) {
    putInt32(ours, value, 2);
    buffers.writeInt32BE(value, 2);
    assert.deepEqual(ours, buffers, `int32 ${value}`);
    assert.equal(getInt32(ours, 2), value);
    assert.equal(getUint32(ours, 2), buffers.readUInt32BE(2));
  }
  putInt32(ours, 0xfedcba98, 0);
  buffers.writeUInt32BE(0xfedcba98, 0);
  assert.deepEqual(ours, buffers, 'an unsigned value takes its low 32 bits');
  for (const value of int16s) {
    putInt16(ours, value, 5);
    buffers.writeInt16BE(value, 5);
    assert.deepEqual(ours, buffers, `int16 ${value}`);
    assert.equal(getInt16(ours, 5), value);
  }
  putInt8(ours, 0x7f, 7);
  assert.equal(ours[7], 0x7f);
});

test('Java longs round-trip up to 2^53 and negative ones', () => {
  const buffer = Buffer.alloc(8);
  for (const value of [0, 1, 2 ** 32, 2 ** 32 + 5, 1_700_000_000_123, Number.MAX_SAFE_INTEGER, -1, -(2 ** 40)]) {
    writeLong(buffer, value, 0);
    assert.equal(buffer.readBigInt64BE(0), BigInt(value), `bytes of ${value}`);
    assert.equal(readLong(buffer, 0), value);
  }
});

test('offsets out of range throw a RangeError instead of writing or reading nothing', () => {
  const buffer = Buffer.alloc(6);
  assert.throws(() => putInt32(buffer, 1, 3), RangeError);
  assert.throws(() => putInt16(buffer, 1, 5), RangeError);
  assert.throws(() => putInt8(buffer, 1, 6), RangeError);
  assert.throws(() => putInt32(buffer, 1, -1), RangeError);
  assert.throws(() => getInt32(buffer, 3), /4 bytes at offset 3 are out of range of a buffer of 6 bytes/);
  assert.throws(() => getInt16(buffer, 5), RangeError);
  assert.throws(() => readLong(buffer, 0), RangeError);
  assert.throws(() => getInt32(buffer, Number.NaN), RangeError);
  assert.deepEqual(buffer, Buffer.alloc(6), 'nothing was written');
});
