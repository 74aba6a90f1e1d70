import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { corpus, fuzz, runInput } from './fuzz/fuzz-runner.js';
import { targets } from './fuzz/targets.js';

// The short version of npm run fuzz: each target's corpus (the failures found and fixed, and
// inputs that reached a kind of refusal) replayed, then 2,000 new inputs.
describe('fuzz targets (short; npm run fuzz runs a million inputs each)', () => {
  for (const target of targets) {
    it(`${target.name}: the corpus, then 2,000 inputs, refused only as documented`, () => {
      for (const { file, input } of corpus(target)) {
        assert.doesNotThrow(() => runInput(target, input), `${target.name} corpus ${file}`);
      }
      const figures = fuzz(target, { runs: 2000 });
      assert.equal(figures.executions, 2000);
    });
  }
});
