/**
 * npm run fuzz: every fuzz target (targets.ts) for a count of inputs or a time, after replaying
 * its corpus. Failures are saved to test/fuzz-corpus/<target>/crash-* (then fixed and kept as
 * regression inputs, which npm test replays); with --save-corpus, an input for each new kind of
 * refusal seen is kept too. Prints executions per target and per second.
 *   -- --runs 1000000 (default) | --seconds N, --target frame,headers,..., --seed N, --save-corpus
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { corpus, fuzz, runInput, saveToCorpus } from './fuzz-runner.js';
import { targets } from './targets.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1000000' },
    seconds: { type: 'string' },
    target: { type: 'string' },
    seed: { type: 'string' },
    'save-corpus': { type: 'boolean', default: false },
  },
});
const chosen = values.target ? values.target.split(',') : targets.map((target) => target.name);
const unknown = chosen.filter((name) => !targets.some((target) => target.name === name));
if (unknown.length > 0) {
  console.error(`unknown target ${unknown.join(', ')}: choose from ${targets.map((t) => t.name).join(', ')}`);
  process.exit(2);
}
const seconds = values.seconds === undefined ? undefined : Number(values.seconds);
const runs = seconds === undefined ? Number(values.runs) : Number.MAX_SAFE_INTEGER;
console.log(
  `fuzz on node ${process.version}, ${cpus().length} x ${cpus()[0]?.model}: ${seconds === undefined ? `${runs} inputs` : `${seconds} s`} per target${values.seed ? `, seed ${values.seed}` : ''}`,
);
let failed = false;
for (const target of targets.filter((t) => chosen.includes(t.name))) {
  const replayed = corpus(target);
  for (const { input } of replayed) runInput(target, input);
  try {
    const figures = fuzz(target, { runs, seconds, seed: values.seed === undefined ? undefined : Number(values.seed) });
    const saved = values['save-corpus']
      ? figures.interesting.map((input) => saveToCorpus(target, input as never, 'seen')).length
      : 0;
    console.log(
      `  ${target.name.padEnd(10)} ${figures.executions.toLocaleString('en-US').padStart(11)} inputs in ${figures.seconds.toFixed(1)} s (${Math.round(figures.executions / figures.seconds).toLocaleString('en-US')}/s), ${figures.accepted.toLocaleString('en-US')} accepted, ${figures.refusalKinds} kinds of refusal, ${replayed.length} corpus inputs replayed${saved ? `, ${saved} kept` : ''}`,
    );
  } catch (error) {
    failed = true;
    const failure = (error as { failure?: unknown }).failure;
    const path = failure === undefined ? 'no input' : saveToCorpus(target, failure as never, 'crash');
    console.error(`  ${target.name}: FAILED (input saved to ${path})\n${(error as Error).message}`);
  }
}
process.exit(failed ? 1 : 0);
