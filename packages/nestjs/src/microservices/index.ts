export { ServerRocketMQ, type ServerRocketMQOptions } from './server-rocketmq.js';
export { ClientRocketMQ, type ClientRocketMQOptions } from './client-rocketmq.js';
export { RocketMQContext } from './rocket-transport.js';
