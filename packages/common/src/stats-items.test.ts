import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatsItems } from './index.js';

/** Running totals as an owner keeps them: per key, a value and how many times it was added to. */
function totals(): {
  add: (key: string, value: number, times?: number) => void;
  source: () => [string, number, number][];
} {
  const table = new Map<string, [number, number]>();
  return {
    add: (key, value, times = 1) => {
      const [v, t] = table.get(key) ?? [0, 0];
      table.set(key, [v + value, t + times]);
    },
    source: () => [...table].map(([key, [value, times]]) => [key, value, times]),
  };
}

describe('StatsItems', () => {
  it('answers nothing for a key never added to', () => {
    const puts = totals();
    const items = new StatsItems({ PUTS: puts.source });
    items.tick();
    assert.equal(items.data('PUTS', 'T'), undefined);
  });

  it('counts what came before the first sample, and gives sum, rate and average per add over the minute', () => {
    const puts = totals();
    const items = new StatsItems({ PUTS: puts.source });
    const start = 1_000_000;
    puts.add('T', 12, 3);
    items.tick(start); // pairs with a zero sample a second earlier
    assert.deepEqual(items.data('PUTS', 'T')!.statsMinute, { sum: 12, tps: 12, avgpt: 4 });
    for (let second = 1; second <= 3; second++) items.tick(start + second * 1000);
    assert.deepEqual(items.data('PUTS', 'T')!.statsMinute, { sum: 12, tps: 3, avgpt: 4 });
    // The hour window has no sample until a minute of ticks passed.
    assert.equal(items.data('PUTS', 'T')!.statsHour.sum, 0);
  });

  it('lets samples older than a minute go from the minute window while the hour window keeps them', () => {
    const puts = totals();
    const items = new StatsItems({ PUTS: puts.source });
    puts.add('T', 5);
    for (let second = 1; second <= 120; second++) items.tick(second * 1000);
    const data = items.data('PUTS', 'T')!;
    assert.equal(data.statsMinute.sum, 0);
    assert.equal(data.statsHour.sum, 5);
  });

  it('forgets the keys asked', () => {
    const [puts, gets] = [totals(), totals()];
    const items = new StatsItems({ PUTS: puts.source, GETS: gets.source });
    puts.add('T', 1);
    gets.add('T@g', 1);
    gets.add('U@g', 1);
    items.tick();
    items.forget((key) => key === 'T' || key.startsWith('T@'));
    assert.equal(items.data('PUTS', 'T'), undefined);
    assert.equal(items.data('GETS', 'T@g'), undefined);
    assert.ok(items.data('GETS', 'U@g'));
  });
});
