import { createRequire } from 'node:module';
import type { Rule, Tree } from '@angular-devkit/schematics';
import {
  addImport,
  addToModuleArray,
  classify,
  generatedPath,
  moduleExists,
  registerProvider,
  type GeneratorOptions,
} from './source-edits.js';

/** This package's version, which `nest add` puts in the app's dependencies. */
const PACKAGE_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** A generator: writes one class and registers it as a provider of the app module. */
function generator(kind: string, suffix: string, content: (className: string, topic: string) => string) {
  return (options: GeneratorOptions): Rule =>
    (tree: Tree) => {
      const className = `${classify(options.name)}${suffix}`;
      const file = generatedPath(options, kind);
      tree.create(file, content(className, options.topic ?? classify(options.name)));
      if (moduleExists(tree, options)) registerProvider(tree, options, file, className);
      return tree;
    };
}

export const listener = generator(
  'listener',
  'Listener',
  (className, topic) => `import { Injectable, Logger } from '@nestjs/common';
import { RocketListener } from '@rocketnest/nestjs';

@Injectable()
export class ${className} {
  private readonly logger = new Logger(${className}.name);

  /** Every message of ${topic}; returning acknowledges it, throwing retries it with back-off. */
  @RocketListener('${topic}', '*')
  handle(payload: unknown) {
    this.logger.log(\`received \${JSON.stringify(payload)}\`);
  }
}
`,
);

export const producer = generator(
  'producer',
  'Producer',
  (className, topic) => `import { Injectable } from '@nestjs/common';
import { MessageProducer, RocketProducer } from '@rocketnest/nestjs';

@Injectable()
export class ${className} {
  constructor(@RocketProducer() private readonly producer: MessageProducer) {}

  /** Send a payload (as JSON) to ${topic}. */
  send(payload: unknown) {
    return this.producer.send('${topic}', payload);
  }
}
`,
);

export const transactionHandler = generator(
  'transaction-handler',
  'TransactionHandler',
  (className, topic) => `import { Injectable } from '@nestjs/common';
import {
  TransactionalHandler,
  type RocketTransactionHandler,
  type TransactionMessage,
  type TransactionOutcome,
} from '@rocketnest/nestjs';

/** Runs the local transaction of each transactional message sent to ${topic}, and answers the broker's checks. */
@Injectable()
@TransactionalHandler({ topic: '${topic}' })
export class ${className} implements RocketTransactionHandler {
  execute(_message: TransactionMessage, _arg: unknown): TransactionOutcome {
    // Write your local change here; throwing rolls the message back.
    return 'commit';
  }

  check(_message: TransactionMessage): TransactionOutcome {
    // Look up whether the local change was made.
    return 'commit';
  }
}
`,
);

/**
 * nest add: RocketModule in the app module, configured from ROCKET_* environment variables (an
 * embedded broker when ROCKET_NAMESRV_ADDR is unset), and the package in package.json.
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
    if (tree.exists('/package.json')) {
      const pkg = JSON.parse(tree.readText('/package.json')) as { dependencies?: Record<string, string> };
      pkg.dependencies = { ...pkg.dependencies };
      pkg.dependencies['@rocketnest/nestjs'] ??= `^${PACKAGE_VERSION}`;
      tree.overwrite('/package.json', `${JSON.stringify(pkg, null, 2)}\n`);
    }
    return tree;
  };
}
