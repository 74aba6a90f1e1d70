import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { FuzzTarget } from './targets.js';

/** Inputs kept in the repository: each target's interesting inputs and every failure found. */
export const CORPUS_DIR = new URL('../../fuzz-corpus/', import.meta.url).pathname;

/** A run over a second is a failure too: a decoder must not be made to spin. */
const SLOW_MS = 1000;

/** Run one input; rethrow anything but the target's documented refusals. Returns the refusal seen. */
export function runInput<T>(target: FuzzTarget<T>, input: T): string | undefined {
  const started = performance.now();
  let refusal: string | undefined;
  try {
    target.run(input);
  } catch (error) {
    if (!target.refusal(error)) throw error;
    refusal = (error as Error).message;
  }
  const ms = performance.now() - started;
  if (ms > SLOW_MS) throw new Error(`${target.name}: one input took ${Math.round(ms)} ms`);
  return refusal;
}

/** The corpus files of a target, as inputs. */
export function corpus<T>(target: FuzzTarget<T>): { file: string; input: T }[] {
  const dir = join(CORPUS_DIR, target.name);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((file) => ({ file, input: target.fromBytes(readFileSync(join(dir, file))) }));
}

export function saveToCorpus<T>(target: FuzzTarget<T>, input: T, prefix: string): string {
  const bytes = target.toBytes(input);
  const dir = join(CORPUS_DIR, target.name);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${prefix}-${createHash('sha1').update(bytes).digest('hex').slice(0, 12)}`);
  writeFileSync(path, bytes);
  return path;
}

export interface FuzzFigures {
  target: string;
  executions: number;
  seconds: number;
  /** Kinds of refusal seen (messages with their numbers taken out): a rough measure of the paths reached. */
  refusalKinds: number;
  accepted: number;
  /** The first inputs (at most 25) that showed a kind of refusal not seen before, for the corpus. */
  interesting: unknown[];
}

/**
 * Run a target over generated inputs until runs or the time limit; a failure throws fast-check's
 * report (seed, path and the shrunk input) and leaves the input in failure.
 */
export function fuzz<T>(
  target: FuzzTarget<T>,
  options: { runs: number; seconds?: number | undefined; seed?: number | undefined },
): FuzzFigures & { failure?: T } {
  const kinds = new Set<string>();
  const interesting: T[] = [];
  let executions = 0;
  let accepted = 0;
  const started = performance.now();
  const property = fc.property(target.arbitrary, (input) => {
    executions++;
    const refusal = runInput(target, input);
    if (refusal === undefined) {
      accepted++;
      return;
    }
    // What the refusal says without the values it quotes: which check refused.
    const kind = refusal.replace(/"[^"]*"|'[^']*'|\[[^\]]*\]|\d+/g, '_').slice(0, 60);
    if (!kinds.has(kind)) {
      kinds.add(kind);
      if (interesting.length < 25) interesting.push(input);
    }
  });
  const result = fc.check(property, {
    numRuns: options.runs,
    seed: options.seed,
    interruptAfterTimeLimit: options.seconds === undefined ? undefined : options.seconds * 1000,
    markInterruptAsFailure: false,
  });
  const figures = {
    target: target.name,
    executions,
    seconds: (performance.now() - started) / 1000,
    refusalKinds: kinds.size,
    accepted,
    interesting,
  };
  if (result.failed) {
    const failure = result.counterexample?.[0];
    throw Object.assign(new Error(fc.defaultReportMessage(result) ?? `${target.name} failed`), { failure, figures });
  }
  return figures;
}
