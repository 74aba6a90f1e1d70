import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { loadPackageDefinition, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/**
 * apache.rocketmq.v2's service.proto as Apache's v5 Node client ships it, loaded at run time:
 * no generated code is kept here, so the service follows the protocol version of that package.
 * Fields keep their proto names (snake_case); enums are their names; int64s are numbers (queue
 * and CommitLog offsets stay far below 2^53); oneofs name their set field.
 */
function loadMessagingService(): ServiceDefinition {
  const require = createRequire(import.meta.url);
  const clientPackage = dirname(require.resolve('rocketmq-client-nodejs/package.json'));
  const definition = loadSync('apache/rocketmq/v2/service.proto', {
    includeDirs: [join(clientPackage, 'proto')],
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const grpcObject = loadPackageDefinition(definition) as unknown as {
    apache: { rocketmq: { v2: { MessagingService: { service: ServiceDefinition } } } };
  };
  return grpcObject.apache.rocketmq.v2.MessagingService.service;
}

export const messagingService = loadMessagingService();
