import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { SchematicTestRunner } from '@angular-devkit/schematics/testing/index.js';

const require = createRequire(import.meta.url);
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('schematics', () => {
  it('wires RocketModule into a freshly generated Nest app and scaffolds a listener, a producer and a transaction handler, with specs, that compile', async () => {
    const nest = new SchematicTestRunner(
      '@nestjs/schematics',
      require.resolve('@nestjs/schematics/dist/collection.json'),
    );
    let tree = await nest.runSchematic('application', { name: 'shop', directory: '.', packageManager: 'npm' });
    const ours = new SchematicTestRunner('@rocketnest/nestjs', join(packageRoot, 'collection.json'));
    tree = await ours.runSchematic('nest-add', {}, tree);
    tree = await ours.runSchematic('listener', { name: 'order-events', topic: 'OrderEvents' }, tree);
    tree = await ours.runSchematic('producer', { name: 'order-events', topic: 'OrderEvents' }, tree);
    tree = await ours.runSchematic('transaction-handler', { name: 'payments' }, tree);

    const appModule = tree.readText('/src/app.module.ts');
    assert.match(appModule, /import \{ RocketModule, rocketOptionsFromEnv \} from '@rocketnest\/nestjs';/);
    assert.match(
      appModule,
      /imports: \[RocketModule\.forRoot\(\{ \.\.\.rocketOptionsFromEnv\(\), isGlobal: true \}\)\]/,
    );
    assert.match(
      tree.readText('/src/main.ts'),
      /NestFactory\.create\(AppModule[^;]*;\n {2}app\.enableShutdownHooks\(\);/,
    );
    assert.match(appModule, /import \{ OrderEventsListener \} from '\.\/order-events\/order-events\.listener\.js';/);
    assert.match(
      appModule,
      /providers: \[AppService, OrderEventsListener, OrderEventsProducer, PaymentsTransactionHandler\]/,
    );
    assert.match(tree.readText('/src/order-events/order-events.listener.ts'), /@RocketListener\('OrderEvents', '\*'\)/);
    assert.match(
      tree.readText('/src/payments/payments.transaction-handler.ts'),
      /@TransactionalHandler\(\{ topic: 'Payments' \}\)/,
    );
    assert.match(
      tree.readText('/src/order-events/order-events.listener.spec.ts'),
      /publish\('OrderEvents', \{ hello: 'world' \}\)[\s\S]*settled\(\)\)\.toBe\('acknowledged'\)/,
    );
    assert.match(
      tree.readText('/src/order-events/order-events.producer.spec.ts'),
      /import \{ OrderEventsProducer \} from '\.\/order-events\.producer\.js';/,
    );
    assert.match(tree.readText('/src/payments/payments.transaction-handler.spec.ts'), /sendInTransaction\('Payments'/);
    tree = await ours.runSchematic('listener', { name: 'audit', spec: false }, tree);
    assert.ok(tree.exists('/src/audit/audit.listener.ts'));
    assert.ok(!tree.exists('/src/audit/audit.listener.spec.ts'), '--no-spec writes no spec');
    assert.match(JSON.parse(tree.readText('/package.json')).dependencies['@rocketnest/nestjs'], /^\^0\./);

    // The generated app type-checks against the real packages.
    const dir = mkdtempSync(join(packageRoot, 'dist', 'schematic-app-'));
    try {
      const sources = tree.files.filter(
        (file) => file.startsWith('/src/') && file.endsWith('.ts') && !file.endsWith('.spec.ts'),
      );
      for (const file of sources) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        writeFileSync(join(dir, file), tree.readText(file));
      }
      const tsc = spawnSync(
        process.execPath,
        [
          require.resolve('typescript/bin/tsc'),
          '--noEmit',
          '--ignoreConfig',
          '--module',
          'nodenext',
          '--moduleResolution',
          'nodenext',
          '--target',
          'es2023',
          '--strict',
          '--experimentalDecorators',
          '--emitDecoratorMetadata',
          '--skipLibCheck',
          '--types',
          'node',
          ...sources.map((file) => join(dir, file)),
        ],
        { encoding: 'utf8' },
      );
      assert.equal(tsc.status, 0, `the generated app does not compile:\n${tsc.stdout}${tsc.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
