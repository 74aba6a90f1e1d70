/**
 * The sample order service: `npm start` at the repository root runs it on the embedded broker.
 * Settings from the environment: PORT (3000), ROCKET_NAMESRV_ADDR (unset: embedded broker),
 * ROCKET_NAMESRV_PORT (9876) and ROCKET_BROKER_PORT (10911) for the embedded broker,
 * ROCKET_DATA_DIR (unset: a new rocketnest-sample-* directory in the system temp dir, removed when
 * the app stops, so each run starts empty), PAYMENT_TIMEOUT_MS (60000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from './app.js';

function numberSetting(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`sample app: ${name} must be a whole number, got "${text}"`);
    process.exit(1);
  }
  return value;
}

const port = numberSetting('PORT', 3000);
const settings = {
  namesrvAddr: process.env['ROCKET_NAMESRV_ADDR'] || undefined,
  namesrvPort: numberSetting('ROCKET_NAMESRV_PORT', 9876),
  brokerPort: numberSetting('ROCKET_BROKER_PORT', 10911),
  paymentTimeoutMs: numberSetting('PAYMENT_TIMEOUT_MS', 60_000),
};
const dataDirPerRun = !process.env['ROCKET_DATA_DIR'];
const dataDir = process.env['ROCKET_DATA_DIR'] || mkdtempSync(join(tmpdir(), 'rocketnest-sample-'));
try {
  const app = await createApp({ ...settings, dataDir, dataDirPerRun }, port);
  const url = await app.getUrl();
  console.log(
    [
      `RocketNest sample order service on ${url} (data in ${dataDir}${dataDirPerRun ? ', removed when it stops; set ROCKET_DATA_DIR to keep it' : ''})`,
      `  curl -s -X POST ${url}/orders -H 'content-type: application/json' -d '{"item":"book","quantity":1}'`,
      `  curl -s ${url}/orders/<id>            curl -s -X POST ${url}/orders/<id>/pay`,
      `  curl -s ${url}/health`,
      '  Ctrl-C stops it cleanly.',
    ].join('\n'),
  );
} catch (error) {
  const code = (error as NodeJS.ErrnoException).code;
  console.error(
    code === 'EADDRINUSE'
      ? `sample app: a port is taken (${(error as Error).message}); set PORT, ROCKET_NAMESRV_PORT and ROCKET_BROKER_PORT to free ones`
      : `sample app: ${(error as Error).message}`,
  );
  if (dataDirPerRun) rmSync(dataDir, { recursive: true, force: true });
  process.exit(1);
}
