import { createRequire } from 'node:module';
import type { Rule, Tree } from '@angular-devkit/schematics';
import {
  addImport,
  addShutdownHooks,
  addToModuleArray,
  classify,
  generatedPath,
  moduleExists,
  registerProvider,
  type GeneratorOptions,
} from './source-edits.js';
import { listenerTemplate, producerTemplate, transactionHandlerTemplate, type Template } from './templates.js';

/** This package's version, which `nest add` puts in the app's dependencies. */
const PACKAGE_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** A generator: writes one class (and its spec unless --no-spec) and registers it as a provider of the app module. */
function generator(kind: string, suffix: string, template: Template) {
  return (options: GeneratorOptions): Rule =>
    (tree: Tree) => {
      const className = `${classify(options.name)}${suffix}`;
      const topic = options.topic ?? classify(options.name);
      const file = generatedPath(options, kind);
      tree.create(file, template.source(className, topic));
      if (options.spec !== false) {
        const base = file.slice(file.lastIndexOf('/') + 1, -'.ts'.length);
        tree.create(file.replace(/\.ts$/, '.spec.ts'), template.spec(className, topic, base));
      }
      if (moduleExists(tree, options)) registerProvider(tree, options, file, className);
      return tree;
    };
}

export const listener = generator('listener', 'Listener', listenerTemplate);
export const producer = generator('producer', 'Producer', producerTemplate);
export const transactionHandler = generator('transaction-handler', 'TransactionHandler', transactionHandlerTemplate);

/**
 * nest add: RocketModule in the app module, configured from ROCKET_* environment variables (an
 * embedded broker when ROCKET_NAMESRV_ADDR is unset), shutdown hooks in main.ts (so SIGTERM stops
 * listeners and the embedded broker cleanly), and the package in package.json.
 */
export function nestAdd(options: { sourceRoot?: string; module?: string }): Rule {
  return (tree: Tree) => {
    const modulePath = options.module ?? `/${(options.sourceRoot ?? 'src').replace(/^\/+|\/+$/g, '')}/app.module.ts`;
    if (tree.exists(modulePath)) {
      let text = tree.readText(modulePath);
      text = addImport(text, ['RocketModule', 'rocketOptionsFromEnv'], '@rocketnest/nestjs');
      text = addToModuleArray(text, 'imports', 'RocketModule.forRoot({ ...rocketOptionsFromEnv(), isGlobal: true })');
      tree.overwrite(modulePath, text);
    }
    const mainPath = modulePath.replace(/[^/]+$/, 'main.ts');
    if (tree.exists(mainPath)) tree.overwrite(mainPath, addShutdownHooks(tree.readText(mainPath)));
    if (tree.exists('/package.json')) {
      const pkg = JSON.parse(tree.readText('/package.json')) as { dependencies?: Record<string, string> };
      pkg.dependencies = { ...pkg.dependencies };
      pkg.dependencies['@rocketnest/nestjs'] ??= `^${PACKAGE_VERSION}`;
      tree.overwrite('/package.json', `${JSON.stringify(pkg, null, 2)}\n`);
    }
    return tree;
  };
}
