import { Producer as V5Producer, SimpleConsumer as V5SimpleConsumer } from 'rocketmq-client-nodejs';
import { BenchMeter, positive, preciseNow, SENT_AT, warmupSeconds } from './bench-meter.js';
import { credentialsFrom } from './connection-options.js';

/** The bench options a gRPC run reads (those of bench.ts's parseArgs). */
interface GrpcBenchValues {
  endpoints: string;
  topic: string;
  duration: string;
  warmup: string;
  json: boolean;
  tls?: boolean | undefined;
  'access-key'?: string | undefined;
  'secret-key'?: string | undefined;
}

/** Apache's v5 Node client logs to ~/logs by default; a benchmark keeps quiet. */
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined, close: () => undefined };

/**
 * What a v5 client needs from --endpoints, --tls and the account options; a CA other than the
 * system's comes from GRPC_DEFAULT_SSL_ROOTS_FILE_PATH, as for every grpc-js client.
 */
function clientOptions(values: GrpcBenchValues) {
  const credentials = credentialsFrom(values);
  return {
    endpoints: values.endpoints,
    namespace: '',
    sslEnabled: values.tls === true,
    sessionCredentials: credentials && { accessKey: credentials.accessKey, accessSecret: credentials.secretKey },
    logger: quiet,
  };
}

/** `rocketnest bench producer --protocol grpc`: the same run as over remoting, with Apache's v5 Producer. */
export async function benchGrpcProducer(
  values: GrpcBenchValues & { size: string; inflight: string; rate?: string | undefined },
): Promise<void> {
  const size = positive('size', values.size);
  const inflight = positive('inflight', values.inflight);
  const duration = positive('duration', values.duration);
  const warmup = warmupSeconds(values.warmup, duration);
  const rate = values.rate === undefined ? undefined : positive('rate', values.rate);
  const producer = new V5Producer({ ...clientOptions(values), topics: [values.topic] });
  await producer.startup();
  const body = Buffer.alloc(size, 'a');
  const message = () =>
    rate === undefined
      ? { topic: values.topic, body }
      : { topic: values.topic, body, properties: new Map([[SENT_AT, preciseNow().toFixed(3)]]) };
  const meter = new BenchMeter(values.json, 'send', warmup);
  const deadline = performance.now() + duration * 1000;
  const started = performance.now();
  let sent = 0;
  await Promise.all(
    Array.from({ length: inflight }, async () => {
      while (performance.now() < deadline) {
        if (rate !== undefined) {
          // Paced: each slot waits for the time its next message is due.
          const dueAt = started + (sent++ * 1000) / rate;
          const wait = dueAt - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          if (performance.now() >= deadline) break;
        }
        const sentAt = performance.now();
        try {
          await producer.send(message());
          meter.record(1, size, performance.now() - sentAt);
        } catch (error) {
          meter.error((error as Error).message);
        }
      }
    }),
  );
  meter.finish('producer', {
    protocol: 'grpc',
    size,
    inflight,
    rate: rate ?? 'unlimited',
    topic: values.topic,
    endpoints: values.endpoints,
  });
  await producer.shutdown();
}

/**
 * `rocketnest bench consumer --protocol grpc`: SimpleConsumers receiving (--concurrency loops,
 * --batch each) and acknowledging every message; latency as over remoting.
 */
export async function benchGrpcConsumer(
  values: GrpcBenchValues & { group: string; concurrency: string; batch: string },
): Promise<void> {
  const duration = positive('duration', values.duration);
  const warmup = warmupSeconds(values.warmup, duration);
  const concurrency = positive('concurrency', values.concurrency);
  const batch = positive('batch', values.batch);
  const consumer = new V5SimpleConsumer({
    ...clientOptions(values),
    consumerGroup: values.group,
    subscriptions: new Map([[values.topic, '*']]),
    awaitDuration: 1000,
  });
  await consumer.startup();
  const meter = new BenchMeter(values.json, 'end-to-end', warmup);
  const deadline = performance.now() + duration * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        try {
          const messages = await consumer.receive(batch, 30_000);
          const now = Date.now();
          const preciseAt = preciseNow();
          for (const message of messages) {
            const stamp = message.properties.get(SENT_AT);
            const latency =
              stamp === undefined ? now - (message.bornTimestamp?.getTime() ?? now) : preciseAt - Number(stamp);
            meter.record(1, message.body.length, latency);
          }
          await Promise.all(messages.map((message) => consumer.ack(message)));
        } catch (error) {
          meter.error((error as Error).message);
        }
      }
    }),
  );
  meter.finish('consumer', {
    protocol: 'grpc',
    group: values.group,
    concurrency,
    batch,
    topic: values.topic,
    endpoints: values.endpoints,
  });
  await consumer.shutdown();
}
