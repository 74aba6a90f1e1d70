/**
 * Tasks run every so often, stopped together (RocketMQ's scheduled executor services). A task
 * that throws or rejects is reported and runs again at its next turn; a run does not wait for
 * the one before. The timers are unref'd: they never keep a process alive by themselves.
 */
export class PeriodicTasks {
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly failed: (error: Error) => void) {}

  every(ms: number, task: () => unknown): void {
    const timer = setInterval(() => {
      Promise.resolve()
        .then(task)
        .catch((error: unknown) => this.failed(error instanceof Error ? error : new Error(String(error))));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
  }
}
