import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InFlightTable } from './in-flight-table.js';

/** A small deterministic generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) | 0;
    return (state >>> 8) / 2 ** 24;
  };
}

function assertSame(table: InFlightTable<string>, model: Map<number, string>, keys: Iterable<number>): void {
  assert.equal(table.size, model.size);
  for (const key of keys) {
    assert.equal(table.get(key), model.get(key), `get(${key})`);
    assert.equal(table.has(key), model.has(key), `has(${key})`);
  }
  assert.deepEqual(
    table.entries().sort((a, b) => a[0] - b[0]),
    [...model].sort((a, b) => a[0] - b[0]),
  );
}

test('behaves as a Map under random sets and takes, with keys that collide, wrap and are negative', () => {
  for (const [seed, spread] of [
    [1, 100],
    [2, 10_000],
    [3, 2 ** 31],
  ] as const) {
    const next = random(seed);
    const table = new InFlightTable<string>();
    const model = new Map<number, string>();
    // Keys that share low bits collide in every table size; those around 0 and 2^31 wrap.
    const keyOf = () => {
      const base = Math.floor(next() * spread) - Math.floor(spread / 2);
      return next() < 0.3 ? (base * 1024) | 0 : base | 0;
    };
    const seen = new Set<number>();
    for (let step = 0; step < 20_000; step++) {
      const key = next() < 0.5 && model.size > 0 ? [...model.keys()][Math.floor(next() * model.size)]! : keyOf();
      seen.add(key);
      if (next() < 0.55) {
        table.set(key, `v${step}`);
        model.set(key, `v${step}`);
      } else {
        assert.equal(table.take(key), model.get(key), `take(${key}) at step ${step}`);
        model.delete(key);
      }
      if (step % 1000 === 0) assertSame(table, model, seen);
    }
    assertSame(table, model, seen);
  }
});

test('a window of consecutive opaques moving past thousands of requests, as in flight on a connection', () => {
  // 40 in flight, answered out of order; 1,000 in flight (the bench producer's), answered in order.
  for (const [window, stride] of [
    [40, 7],
    [1000, 0],
  ] as const) {
    const table = new InFlightTable<number>();
    const inFlight: number[] = [];
    for (let opaque = 0; opaque < 50_000; opaque++) {
      table.set(opaque, opaque);
      inFlight.push(opaque);
      if (inFlight.length > window) {
        const answered = inFlight.splice((opaque * stride) % inFlight.length, 1)[0]!;
        assert.equal(table.take(answered), answered);
      }
    }
    assert.equal(table.size, window);
    for (const [opaque, value] of table.entries()) {
      assert.equal(value, opaque);
      assert.ok(inFlight.includes(opaque));
      assert.equal(table.take(opaque), opaque);
    }
    assert.equal(table.size, 0);
    assert.equal(table.take(49_999), undefined);
  }
});
