import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { Output } from './output.js';

/** A stream that says it is a terminal, collecting what is written to it. */
function terminal(): { stream: NodeJS.WriteStream; written: () => string } {
  const stream = new PassThrough() as unknown as NodeJS.WriteStream & { isTTY: boolean; columns: number };
  stream.isTTY = true;
  stream.columns = 120;
  stream.cursorTo = () => true;
  stream.clearLine = () => true;
  stream.moveCursor = () => true;
  let text = '';
  (stream as unknown as PassThrough).on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, written: () => text };
}

describe('Output', () => {
  it('prints a table for people and the same rows as objects with --json', () => {
    const people = new PassThrough();
    let text = '';
    people.on('data', (chunk: Buffer) => (text += chunk.toString()));
    new Output(false, people).table(['topic', 'queues'], [['Orders', 4]]);
    assert.match(text, /│ topic\s+│ queues │\n.*\n│ Orders\s+│ 4\s+│/);
    const scripts = new PassThrough();
    let json = '';
    scripts.on('data', (chunk: Buffer) => (json += chunk.toString()));
    new Output(true, scripts).table(['topic', 'queues'], [['Orders', 4]]);
    assert.deepEqual(JSON.parse(json), [{ topic: 'Orders', queues: 4 }]);
  });

  it('draws a progress bar on a terminal, and none with --json or when stderr is not one', () => {
    const tty = terminal();
    const progress = new Output(false, new PassThrough(), tty.stream).progress('exporting', 2);
    progress.tick('broker-a');
    progress.tick('broker-b');
    progress.stop();
    assert.match(tty.written(), /exporting \[=+\] 2\/2 broker-b/);
    const quiet = terminal();
    new Output(true, new PassThrough(), quiet.stream).progress('exporting', 2).tick();
    assert.equal(quiet.written(), '');
    const pipe = new PassThrough() as unknown as NodeJS.WriteStream;
    let piped = '';
    (pipe as unknown as PassThrough).on('data', (chunk: Buffer) => (piped += chunk.toString()));
    new Output(false, new PassThrough(), pipe).progress('exporting', 2).tick();
    assert.equal(piped, '');
  });
});
