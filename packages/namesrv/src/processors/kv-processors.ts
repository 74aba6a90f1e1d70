import {
  createResponse,
  encodeJsonBody,
  GetKVListByNamespaceRequestHeader,
  KVConfigKeyRequestHeader,
  PutKVConfigRequestHeader,
  ResponseCode,
  type RemotingCommand,
  GetKVConfigResponseHeader,
} from '@rocketnest/protocol';
import type { NamesrvContext } from './namesrv-context.js';

/** PUT_KV_CONFIG (100). */
export function putKVConfig(namesrv: NamesrvContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { namespace, key, value } = PutKVConfigRequestHeader.decode(request.extFields);
    namesrv.kv.put(namespace, key, value);
    return createResponse(request);
  };
}

/** GET_KV_CONFIG (101). */
export function getKVConfig(namesrv: NamesrvContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { namespace, key } = KVConfigKeyRequestHeader.decode(request.extFields);
    const value = namesrv.kv.get(namespace, key);
    if (value === undefined) {
      return createResponse(request, ResponseCode.QUERY_NOT_FOUND, {
        remark: `No config item, Namespace: ${namespace} Key: ${key}`,
      });
    }
    return createResponse(request, ResponseCode.SUCCESS, { extFields: GetKVConfigResponseHeader.encode({ value }) });
  };
}

/** DELETE_KV_CONFIG (102). */
export function deleteKVConfig(namesrv: NamesrvContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { namespace, key } = KVConfigKeyRequestHeader.decode(request.extFields);
    namesrv.kv.delete(namespace, key);
    return createResponse(request);
  };
}

/** GET_KVLIST_BY_NAMESPACE (219). */
export function getKVListByNamespace(namesrv: NamesrvContext) {
  return (request: RemotingCommand): RemotingCommand => {
    const { namespace } = GetKVListByNamespaceRequestHeader.decode(request.extFields);
    const table = namesrv.kv.list(namespace);
    if (!table) {
      return createResponse(request, ResponseCode.QUERY_NOT_FOUND, {
        remark: `No config item, Namespace: ${namespace}`,
      });
    }
    return createResponse(request, ResponseCode.SUCCESS, { body: encodeJsonBody({ table }) });
  };
}
