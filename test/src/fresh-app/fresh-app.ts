/**
 * `npm run test:fresh-app`: what a new user does. Packs every package of this repo, makes a fresh
 * Nest 12 application with @nestjs/cli, installs the packs into it from the tarballs (the app's
 * own dependencies from the registry), runs `nest add` and the three generators through the
 * `nest` command, runs the generated specs with the app's test runner, builds the app, boots it
 * on the embedded broker and sends a message through it to the generated listener. It also checks
 * that the packages' types resolve under every moduleResolution a user may have.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { eventually } from '../support/cluster.js';

const require = createRequire(import.meta.url);
const repo = join(require.resolve('@rocketnest/cli/package.json'), '..', '..', '..');
const nestBin = require.resolve('@nestjs/cli/bin/nest.js');
const npmCli = process.env.npm_execpath;

function run(command: string, args: string[], options: SpawnSyncOptions & { cwd: string }): string {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    timeout: 10 * 60_000,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    ...options,
  });
  const output = `${String(result.stdout)}${String(result.stderr)}`;
  assert.equal(result.status, 0, `${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${output}`);
  return output;
}

/** npm as the one running this script (npm_execpath), else the npm on PATH. */
function npm(args: string[], cwd: string): string {
  return npmCli ? run(process.execPath, [npmCli, ...args], { cwd }) : run('npm', args, { cwd });
}

function nest(args: string[], cwd: string): string {
  return run(process.execPath, [nestBin, ...args], { cwd });
}

describe('a fresh Nest 12 application with the packed packages', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rocketnest-fresh-app-'));
  const app = join(dir, 'shop');

  before(() => {
    const packs = join(dir, 'packs');
    mkdirSync(packs);
    const workspaces = readdirSync(join(repo, 'packages')).flatMap((name) => ['-w', `packages/${name}`]);
    npm(['pack', '--pack-destination', packs, ...workspaces], repo);
    nest(['new', 'shop', '--skip-install', '--skip-git', '--package-manager', 'npm'], dir);
    const tarballs = readdirSync(packs).map((file) => join(packs, file));
    // Terminus too, as a user of the health indicator installs it.
    npm(['install', '--no-audit', '--no-fund', '--prefer-offline', '@nestjs/terminus@^12', ...tarballs], app);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('every package ships its README, LICENSE and sources for its source maps, and no tests', () => {
    for (const name of readdirSync(join(app, 'node_modules', '@rocketnest'))) {
      const root = join(app, 'node_modules', '@rocketnest', name);
      const files = readdirSync(root, { recursive: true, encoding: 'utf8' });
      assert.ok(
        files.includes('README.md') && files.includes('LICENSE'),
        `@rocketnest/${name} lacks README or LICENSE`,
      );
      assert.ok(!files.some((file) => /\.test\.|tsbuildinfo/.test(file)), `@rocketnest/${name} ships tests`);
      for (const map of files.filter((file) => file.endsWith('.js.map') || file.endsWith('.d.ts.map'))) {
        const { sources, sourceRoot } = JSON.parse(readFileSync(join(root, map), 'utf8')) as {
          sources: string[];
          sourceRoot?: string;
        };
        for (const source of sources) {
          const path = join(root, map, '..', sourceRoot ?? '', source);
          assert.doesNotThrow(() => readFileSync(path), `${map} points at ${source}, which @rocketnest/${name} lacks`);
        }
      }
    }
  });

  it('types resolve under nodenext, node16, bundler and node10 resolution', () => {
    const probe = join(app, 'types-probe');
    mkdirSync(probe);
    const importer = `import { RocketModule, RocketTestingModule } from '@rocketnest/nestjs';
import { RocketHealthIndicator } from '@rocketnest/nestjs/health';
import { Producer } from '@rocketnest/client';
export const used = [RocketModule, RocketTestingModule, RocketHealthIndicator, Producer];
`;
    writeFileSync(join(probe, 'esm.mts'), importer);
    writeFileSync(join(probe, 'cjs.cts'), importer);
    writeFileSync(join(probe, 'legacy.ts'), importer);
    const tsc = join(app, 'node_modules', 'typescript', 'bin', 'tsc');
    const common = ['--noEmit', '--ignoreConfig', '--strict', '--experimentalDecorators', '--types', 'node'];
    for (const [module, resolution, files] of [
      ['nodenext', 'nodenext', ['esm.mts', 'cjs.cts']],
      ['node16', 'node16', ['esm.mts']],
      ['esnext', 'bundler', ['legacy.ts']],
      ['commonjs', 'node10', ['legacy.ts']],
    ] as const) {
      const args = ['--module', module, '--moduleResolution', resolution, '--target', 'es2023', ...common];
      if (resolution === 'node10') args.push('--ignoreDeprecations', '6.0');
      run(process.execPath, [tsc, ...args, ...files], { cwd: probe });
    }
    // And CommonJS code loads the ESM packages with require(), as Node 20.19+ allows.
    const loaded = run(
      process.execPath,
      [
        '-e',
        "console.log(typeof require('@rocketnest/nestjs').RocketModule, typeof require('@rocketnest/nestjs/health').RocketHealthIndicator)",
      ],
      { cwd: app },
    );
    assert.match(loaded, /function function/);
  });

  it('nest add and nest g -c @rocketnest/nestjs write a module wiring, a listener, a producer, a transaction handler and their specs', () => {
    nest(['add', '@rocketnest/nestjs', '--skip-install'], app);
    for (const [kind, name] of [
      ['listener', 'greetings'],
      ['producer', 'greetings'],
      ['transaction-handler', 'payments'],
    ] as const) {
      nest(['g', '-c', '@rocketnest/nestjs', kind, name], app);
    }
    const appModule = readFileSync(join(app, 'src', 'app.module.ts'), 'utf8');
    assert.match(appModule, /RocketModule\.forRoot\(\{ \.\.\.rocketOptionsFromEnv\(\), isGlobal: true \}\)/);
    assert.match(appModule, /GreetingsListener, GreetingsProducer, PaymentsTransactionHandler/);
    for (const file of ['greetings.listener', 'greetings.producer', 'payments.transaction-handler']) {
      const folder = file.split('.')[0]!;
      assert.ok(readFileSync(join(app, 'src', folder, `${file}.spec.ts`), 'utf8').includes('RocketTestingModule'));
    }
  });

  it("the generated specs pass under the app's own test runner", () => {
    const output = npm(['test', '--', 'src/greetings', 'src/payments'], app);
    assert.match(output, /Tests\s+3 passed/);
  });

  it('builds with nest build, boots on the embedded broker and delivers a message from the producer to the listener', async () => {
    // The app sends through the generated producer from a route the test adds, as a user would.
    const controller = join(app, 'src', 'app.controller.ts');
    writeFileSync(
      controller,
      readFileSync(controller, 'utf8')
        .replace(
          "import { Controller, Get } from '@nestjs/common';",
          "import { Body, Controller, Get, Post } from '@nestjs/common';\nimport { GreetingsProducer } from './greetings/greetings.producer.js';",
        )
        .replace(
          'constructor(private readonly appService: AppService) {}',
          `constructor(
    private readonly appService: AppService,
    private readonly greetings: GreetingsProducer,
  ) {}

  @Post('greet')
  async greet(@Body() body: unknown) {
    return (await this.greetings.send(body)).msgId;
  }`,
        ),
    );
    const main = join(app, 'src', 'main.ts');
    writeFileSync(
      main,
      readFileSync(main, 'utf8').replace(
        'await app.listen(process.env.PORT ?? 3000);',
        // Port 0 and the URL printed: a port picked beforehand could go to the embedded broker first.
        "await app.listen(process.env.PORT ?? 3000, '127.0.0.1');\n  console.log(`listening at ${await app.getUrl()}`);",
      ),
    );
    assert.match(readFileSync(main, 'utf8'), /listening at/, 'main.ts as @nestjs/cli wrote it, with our line added');
    nest(['build'], app);

    // The app's temporary files go here, to see that a stop on SIGTERM leaves none.
    const appTmp = join(dir, 'app-tmp');
    mkdirSync(appTmp);
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: app,
      env: { ...process.env, PORT: '0', ROCKET_NAMESRV_ADDR: '', TMPDIR: appTmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await eventually(() => /listening at http:\/\/127\.0\.0\.1:\d+/.test(output), 'the app to listen', 60_000);
      const url = /listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!;
      const greet = () =>
        fetch(`${url}/greet`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ to: 'ada' }),
        }).then(
          (response) => response.status === 201,
          () => false, // not listening yet
        );
      await eventually(greet, 'POST /greet to answer 201', 60_000);
      await eventually(
        () => /GreetingsListener.*received \{"to":"ada"\}/.test(output),
        'the listener to log the greeting',
        30_000,
      );
      assert.match(output, /embedded broker: NameServer 127\.0\.0\.1:\d+/);
    } catch (error) {
      throw new Error(`${(error as Error).message}; the app printed:\n${output}`, { cause: error });
    } finally {
      child.kill('SIGTERM');
    }
    // Nest's shutdown hooks close the app, then end the process with the signal it got.
    const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
    assert.ok(code === 0 || signal === 'SIGTERM', `the app ended with ${code ?? signal}:\n${output}`);
    assert.deepEqual(readdirSync(appTmp), [], `the embedded broker left temporary files:\n${output}`);
    assert.doesNotMatch(output, /ERROR/, output);
  });
});
