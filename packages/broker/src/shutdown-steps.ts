import { tryEach, type Logger, type Step } from '@rocketnest/common';
import type { MessageStore } from '@rocketnest/store';
import type { BrokerConfig } from './broker-config.js';
import type { ConsumerOffsetManager } from './consumer-offset-manager.js';

/** A step of a broker's shutdown that writes what it keeps, and what its failure costs. */
export interface ShutdownStep extends Step {
  ifFailed: string;
}

/**
 * Run every step whatever the ones before did (a full disk fails their writes), logging each
 * failure with what it costs: a broker must stop, and release its store, in any case.
 */
export async function runShutdownSteps(steps: readonly ShutdownStep[], logger: Logger): Promise<void> {
  for (const { step, error } of await tryEach(steps)) {
    logger.error(`shutdown: ${step.what} failed (${error.message}); ${step.ifFailed}`);
  }
}

const REDELIVERED = 'delayed messages due since it was written last may be delivered again';

/** What a broker writes at shutdown: a master's delay and timer progress, the offsets, then the store. */
export function keptStateSteps(broker: {
  config: BrokerConfig;
  schedule: { shutdown(): void };
  timerMessages: { shutdown(): void };
  offsets: ConsumerOffsetManager;
  store: MessageStore;
}): ShutdownStep[] {
  const master = broker.config.brokerRole !== 'SLAVE';
  return [
    ...(master
      ? [
          { what: 'writing delay level progress', run: () => broker.schedule.shutdown(), ifFailed: REDELIVERED },
          { what: 'writing timer progress', run: () => broker.timerMessages.shutdown(), ifFailed: REDELIVERED },
        ]
      : []),
    {
      what: 'writing consumer offsets',
      run: () => broker.offsets.persist(true),
      ifFailed: 'groups resume from the offsets written last and may get some messages again',
    },
    {
      what: 'closing the store',
      run: () => broker.store.shutdown(),
      ifFailed: 'the next start recovers the store from its CommitLog',
    },
  ];
}
