import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';

/** What an admin command prints: tables and lines for people, one JSON document with --json. */
export class Output {
  constructor(
    readonly json: boolean,
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly err: NodeJS.WriteStream = process.stderr,
  ) {}

  /** Rows under a header; with --json, the rows as objects keyed by the header's names. */
  table(head: string[], rows: (string | number | boolean | undefined)[][]): void {
    if (this.json) {
      this.value(rows.map((row) => Object.fromEntries(head.map((name, i) => [name, row[i] ?? null]))));
      return;
    }
    const table = new Table({ head, style: { head: [], border: [] } });
    table.push(...rows.map((row) => row.map((cell) => (cell === undefined ? '' : String(cell)))));
    this.out.write(`${table.toString()}\n`);
  }

  /** Name and value pairs, one per line (or a JSON object). */
  pairs(values: Record<string, unknown>): void {
    if (this.json) return this.value(values);
    const width = Math.max(0, ...Object.keys(values).map((key) => key.length));
    for (const [key, value] of Object.entries(values)) {
      this.out.write(`${key.padEnd(width)}  ${typeof value === 'object' ? JSON.stringify(value) : String(value)}\n`);
    }
  }

  /** A sentence for people; with --json, `{ result: text }` unless the command prints a value of its own. */
  line(text: string, value?: unknown): void {
    if (this.json) this.value(value ?? { result: text });
    else this.out.write(`${text}\n`);
  }

  value(value: unknown): void {
    this.out.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /**
   * A progress bar on stderr for a long operation of `total` steps, shown on a terminal only and
   * never with --json, so that what scripts read stays clean.
   */
  progress(what: string, total: number): Progress {
    if (this.json || !this.err.isTTY) return { tick: () => {}, stop: () => {} };
    const bar = new SingleBar({
      format: `${what} [{bar}] {value}/{total} {step}`,
      stream: this.err,
      hideCursor: true,
      clearOnComplete: false,
    });
    bar.start(total, 0, { step: '' });
    return {
      tick: (step = '', value?: number) =>
        value === undefined ? bar.increment(1, { step }) : bar.update(value, { step }),
      stop: () => bar.stop(),
    };
  }
}

export interface Progress {
  /** One more step done (or, given value, that many done); step names it. */
  tick(step?: string, value?: number): void;
  stop(): void;
}
