/** Where the back-off between attempts starts and stops growing. */
const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;

interface Log {
  log(message: string): void;
  warn(message: string): void;
}

/**
 * Boot against a cluster that may not answer yet: ask it (probe); once it answers, run start.
 * Until then the probe is tried again after 1 s, doubling to 30 s, each failure logged with what
 * to do. A start that fails after a good probe is retried the same way.
 */
export class BootRetry {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private delayMs = FIRST_DELAY_MS;

  constructor(
    private readonly probe: () => Promise<unknown>,
    private readonly start: () => Promise<void>,
    private readonly log: Log,
    private readonly hint: string,
  ) {}

  /** The first attempt, awaited by boot: starts now when the cluster answers, else goes on in the background. */
  async firstAttempt(): Promise<void> {
    await this.attempt();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async attempt(): Promise<void> {
    try {
      await this.probe();
    } catch (error) {
      return this.again(`the cluster does not answer: ${(error as Error).message}`);
    }
    try {
      await this.start();
      if (this.delayMs !== FIRST_DELAY_MS)
        this.log.log('the cluster answers: listeners and transaction handlers started');
    } catch (error) {
      return this.again(`listeners could not start: ${(error as Error).message}`);
    }
  }

  private again(why: string): void {
    if (this.stopped) return;
    this.log.warn(`${why}; trying again in ${this.delayMs / 1000} s (${this.hint})`);
    this.timer = setTimeout(() => void this.attempt(), this.delayMs);
    this.delayMs = Math.min(this.delayMs * 2, MAX_DELAY_MS);
  }
}
