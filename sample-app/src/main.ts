/**
 * The sample service. Until the NameServer and broker exist, it says what `npm start` will run;
 * the NestJS application on the embedded broker replaces this file when they land.
 */
const lines = [
  'RocketNest sample app',
  '',
  'Once the broker lands, `npm start` will run a NestJS service here that starts an embedded',
  'NameServer and broker in-process (no setup, no address to configure), produces orders with',
  '@RocketProducer and consumes them with @RocketListener.',
  '',
  'Available today: the remoting protocol (@rocketnest/protocol), its transport (@rocketnest/remoting)',
  'and the message store (@rocketnest/store).',
  'Run `npm test` for the tests, and `npm run bench:remoting` or `npm run bench:store` for the benchmarks.',
];
console.log(lines.join('\n'));
