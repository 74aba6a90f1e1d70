import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  createRequest,
  DEFAULT_MAX_FRAME_LENGTH,
  encodeFrame,
  FrameDecoder,
  ProtocolError,
  RequestCode,
  SerializeType,
  type RemotingCommand,
} from './index.js';

function decodeAll(decoder: FrameDecoder, chunks: Buffer[]): RemotingCommand[] {
  const out: RemotingCommand[] = [];
  for (const chunk of chunks) decoder.push(chunk, (command) => out.push(command));
  return out;
}

function frames(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) =>
    encodeFrame({
      ...createRequest(RequestCode.SEND_MESSAGE_V2, {
        opaque: i,
        extFields: { b: `Topic${i}`, e: String(i % 4) },
        body: Buffer.alloc(i * 7, i),
      }),
      serializeType: i % 2 === 0 ? SerializeType.JSON : SerializeType.ROCKETMQ,
    }),
  );
}

/** Cut a buffer at the given positions. */
function cut(buffer: Buffer, positions: number[]): Buffer[] {
  const sorted = [...new Set(positions.map((p) => p % (buffer.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const position of [...sorted, buffer.length]) {
    chunks.push(buffer.subarray(start, position));
    start = position;
  }
  return chunks;
}

/**
 * Record the largest buffer the decoder allocates while `run` runs: with every allocation path
 * it could take spied on, a decoder that trusted a declared length would show it here.
 */
function largestAllocation(run: () => void): number {
  const original = { allocUnsafe: Buffer.allocUnsafe, alloc: Buffer.alloc, concat: Buffer.concat };
  let largest = 0;
  Buffer.allocUnsafe = (size: number) => {
    largest = Math.max(largest, size);
    return original.allocUnsafe(size);
  };
  Buffer.alloc = ((size: number, ...rest: []) => {
    largest = Math.max(largest, size);
    return original.alloc(size, ...rest);
  }) as typeof Buffer.alloc;
  Buffer.concat = ((list: readonly Uint8Array[], length?: number) => {
    const result = original.concat(list, length);
    largest = Math.max(largest, result.length);
    return result;
  }) as typeof Buffer.concat;
  try {
    run();
  } finally {
    Object.assign(Buffer, original);
  }
  return largest;
}

describe('streaming frame decoder', () => {
  it('decodes frames split at every byte position', () => {
    const [frame] = frames(6).slice(5);
    for (let at = 0; at <= frame!.length; at++) {
      const out = decodeAll(new FrameDecoder(), [frame!.subarray(0, at), frame!.subarray(at)]);
      assert.equal(out.length, 1);
      assert.equal(out[0]!.opaque, 5);
    }
  });

  it('decodes many frames from one chunk, and one frame fed a byte at a time', () => {
    const all = frames(20);
    const out = decodeAll(new FrameDecoder(), [Buffer.concat(all)]);
    assert.deepEqual(
      out.map((c) => c.opaque),
      [...Array(20).keys()],
    );
    const bytes = [...all[13]!].map((b) => Buffer.from([b]));
    const decoder = new FrameDecoder();
    assert.equal(decodeAll(decoder, bytes)[0]!.body!.length, 13 * 7);
    assert.equal(decoder.bufferedBytes, 0);
  });

  it('decodes any chunking of a stream of frames to the same commands', () => {
    const all = frames(12);
    const stream = Buffer.concat(all);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 30 }), (positions) => {
        const out = decodeAll(new FrameDecoder(), cut(stream, positions));
        assert.deepEqual(
          out.map((c) => c.opaque),
          [...Array(12).keys()],
        );
        assert.deepEqual(
          out.map((c) => c.body?.length ?? 0),
          all.map((_, i) => i * 7),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a frame over the maximum from its length prefix alone, before buffering it', () => {
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(DEFAULT_MAX_FRAME_LENGTH, 0);
    const decoder = new FrameDecoder();
    assert.throws(
      () => decoder.push(prefix, () => assert.fail('no command expected')),
      (error: unknown) => error instanceof ProtocolError && error.reason === 'FRAME_TOO_LARGE',
    );
    const small = new FrameDecoder({ maxFrameLength: 64 });
    const big = encodeFrame(createRequest(RequestCode.HEART_BEAT, { body: Buffer.alloc(100) }));
    assert.throws(() => small.push(big.subarray(0, 4), () => {}), /exceeds the 64-byte limit/);
    // Once the framing is lost the decoder stays failed.
    assert.throws(() => small.push(Buffer.alloc(1), () => {}), /exceeds the 64-byte limit/);
  });

  for (const [name, prefix, reason] of [
    ['negative', -1, 'FRAME_LENGTH_INVALID'],
    ['most negative', -(2 ** 31), 'FRAME_LENGTH_INVALID'],
    ['too short for a header word', 3, 'FRAME_LENGTH_INVALID'],
    ['huge', 2 ** 31 - 1, 'FRAME_TOO_LARGE'],
  ] as const) {
    it(`refuses a ${name} length prefix`, () => {
      const bytes = Buffer.alloc(4);
      bytes.writeInt32BE(prefix, 0);
      assert.throws(
        () => new FrameDecoder().push(bytes, () => {}),
        (error: unknown) => error instanceof ProtocolError && error.reason === reason,
      );
    });
  }

  it('refuses an unknown serialize type and a header longer than its frame', () => {
    const frame = encodeFrame(createRequest(RequestCode.HEART_BEAT));
    const wrongType = Buffer.from(frame);
    wrongType[4] = 7;
    assert.throws(() => new FrameDecoder().push(wrongType, () => {}), /serialize type 7/);
    const longHeader = Buffer.from(frame);
    longHeader.writeUInt32BE(0xffffff, 4);
    assert.throws(() => new FrameDecoder().push(longHeader, () => {}), /header length 16777215 exceeds/);
  });

  it('survives random and hostile input: only ProtocolErrors, no hang, no allocation beyond the input', () => {
    const valid = frames(4);
    const hostileChunk = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
      fc.constantFrom(...valid),
      // A plausible prefix and header word followed by garbage.
      fc
        .tuple(
          fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
          fc.integer({ min: 0, max: 2 ** 32 - 1 }),
          fc.uint8Array({ maxLength: 80 }),
        )
        .map(([length, word, rest]) => {
          const head = Buffer.alloc(8);
          head.writeInt32BE(length, 0);
          head.writeUInt32BE(word, 4);
          return Buffer.concat([head, rest]);
        }),
      // A valid frame with one byte flipped.
      fc.tuple(fc.constantFrom(...valid), fc.nat(), fc.integer({ min: 1, max: 255 })).map(([frame, at, xor]) => {
        const copy = Buffer.from(frame);
        copy[at % copy.length]! ^= xor;
        return copy;
      }),
    );
    fc.assert(
      fc.property(
        fc.array(hostileChunk, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (parts, positions) => {
          const stream = Buffer.concat(parts);
          const decoder = new FrameDecoder({ maxFrameLength: 1024 });
          const started = Date.now();
          const largest = largestAllocation(() => {
            try {
              decodeAll(decoder, cut(stream, positions));
            } catch (error) {
              if (!(error instanceof ProtocolError)) throw error;
            }
          });
          assert.ok(largest <= stream.length, `allocated ${largest} bytes for ${stream.length} bytes of input`);
          assert.ok(decoder.bufferedBytes <= stream.length);
          assert.ok(Date.now() - started < 1000, 'decoding took over a second');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never allocates the declared length of a frame that has not arrived', () => {
    const head = Buffer.alloc(8);
    head.writeInt32BE(DEFAULT_MAX_FRAME_LENGTH - 4, 0);
    head.writeUInt32BE(10, 4);
    const decoder = new FrameDecoder();
    const largest = largestAllocation(() => {
      decoder.push(head.subarray(0, 2), () => {});
      decoder.push(head.subarray(2), () => {});
      for (let i = 0; i < 100; i++) decoder.push(Buffer.alloc(1000), () => {});
    });
    assert.ok(largest <= 8 + 100 * 1000, `allocated ${largest}`);
    assert.equal(decoder.bufferedBytes, 4 + 100 * 1000);
  });
});
