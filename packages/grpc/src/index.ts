// What users of the gRPC service need: the server to start beside a broker, and its options.
export { GrpcMessagingServer, startGrpcServer, type GrpcServerOptions } from './grpc-server.js';
