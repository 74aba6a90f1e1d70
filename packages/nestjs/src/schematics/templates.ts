/**
 * What the generators write: a class and its spec. Specs run under the app's test runner
 * (vitest in Nest 12 apps, jest before) with its globals, on RocketTestingModule's in-memory broker.
 */
export interface Template {
  source(className: string, topic: string): string;
  spec(className: string, topic: string, file: string): string;
}

/** The spec's imports and a testing module with the class and RocketTestingModule, shared by every spec. */
function specPreamble(className: string, file: string, names: string[]): string {
  return `import { Test, type TestingModule } from '@nestjs/testing';
import { ${names.join(', ')} } from '@rocketnest/nestjs';
import { ${className} } from './${file}.js';

describe('${className}', () => {
  let moduleRef: TestingModule;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [RocketTestingModule.forRoot()],
      providers: [${className}],
    }).compile();
    await moduleRef.init();
  });

  afterAll(() => moduleRef.close());
`;
}

export const listenerTemplate: Template = {
  source: (className, topic) => `import { Injectable, Logger } from '@nestjs/common';
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
  spec: (className, topic, file) => `${specPreamble(className, file, ['RocketTestHarness', 'RocketTestingModule'])}
  it('acknowledges a message of ${topic}', async () => {
    const message = await moduleRef.get(RocketTestHarness).publish('${topic}', { hello: 'world' });
    expect(await message.settled()).toBe('acknowledged');
  });
});
`,
};

export const producerTemplate: Template = {
  source: (className, topic) => `import { Injectable } from '@nestjs/common';
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
  spec: (className, topic, file) => `${specPreamble(className, file, ['RocketTestingModule'])}
  it('sends to ${topic}', async () => {
    const result = await moduleRef.get(${className}).send({ hello: 'world' });
    expect(result.status).toBe('SEND_OK');
    expect(result.messageQueue.topic).toBe('${topic}');
  });
});
`,
};

export const transactionHandlerTemplate: Template = {
  source: (className, topic) => `import { Injectable } from '@nestjs/common';
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
  spec: (className, topic, file) => `${specPreamble(className, file, ['MessageProducer', 'RocketTestingModule'])}
  it('commits a transactional message of ${topic}', async () => {
    const result = await moduleRef.get(MessageProducer).sendInTransaction('${topic}', { hello: 'world' });
    expect(result.localTransactionState).toBe('COMMIT_MESSAGE');
  });
});
`,
};
