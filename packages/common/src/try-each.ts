/** A step of a sequence that must go on when a step fails (closing files, say). */
export interface Step {
  what: string;
  run: () => unknown;
}

/**
 * Run every step in turn whatever the ones before did (a full disk fails their writes), and
 * return the ones that failed with their errors; none is thrown.
 */
export async function tryEach<S extends Step>(steps: readonly S[]): Promise<{ step: S; error: Error }[]> {
  const failures: { step: S; error: Error }[] = [];
  for (const step of steps) {
    try {
      await step.run();
    } catch (error) {
      failures.push({ step, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }
  return failures;
}
