import type { Logger } from '@rocketnest/common';
import {
  bodyCrc,
  BrokerIdentityRequestHeader,
  createRequest,
  encodeJsonBody,
  MASTER_ID,
  RegisterBrokerRequestHeader,
  RegisterBrokerResponseHeader,
  RequestCode,
  ResponseCode,
  type RemotingCommand,
  type TopicConfigSerializeWrapper,
} from '@rocketnest/protocol';
import type { RemotingClient } from '@rocketnest/remoting';
import { namesrvAddresses, type BrokerConfig } from './broker-config.js';

/** What a NameServer answers a slave's registration with: its master's addresses. */
export interface MasterAddresses {
  masterAddr?: string | undefined;
  haServerAddr?: string | undefined;
}

/**
 * The broker's requests to the NameServers (BrokerOuterAPI): register and unregister, to every
 * NameServer on its own; a failure is logged, and a registration is retried at its next period.
 */
export class BrokerOuterAPI {
  constructor(
    private readonly config: BrokerConfig,
    private readonly client: RemotingClient,
    private readonly logger: Logger,
  ) {}

  /** REGISTER_BROKER; each NameServer's answer (a slave's master) goes to answered. */
  async register(
    brokerAddr: string,
    haServerAddr: string,
    topics: TopicConfigSerializeWrapper,
    answered: (master: MasterAddresses) => void,
  ): Promise<void> {
    const body = encodeJsonBody({ topicConfigSerializeWrapper: topics, filterServerList: [] });
    const extFields = RegisterBrokerRequestHeader.encode({
      brokerName: this.config.brokerName,
      brokerAddr,
      clusterName: this.config.brokerClusterName,
      haServerAddr,
      brokerId: this.config.brokerId,
      compressed: false,
      bodyCrc32: bodyCrc(body),
    });
    await this.toEvery(
      () => createRequest(RequestCode.REGISTER_BROKER, { extFields, body }),
      6000,
      `registering with the NameServer failed (retrying in ${this.config.registerNameServerPeriod} ms)`,
      (response) => answered(RegisterBrokerResponseHeader.decode(response.extFields)),
    );
  }

  /** UNREGISTER_BROKER this broker at brokerAddr, or with lostMaster, a master that is gone for good. */
  async unregister(brokerAddr: string, lostMaster = false): Promise<void> {
    const extFields = BrokerIdentityRequestHeader.encode({
      brokerName: this.config.brokerName,
      brokerAddr,
      clusterName: this.config.brokerClusterName,
      brokerId: lostMaster ? MASTER_ID : this.config.brokerId,
    });
    await this.toEvery(
      () => createRequest(RequestCode.UNREGISTER_BROKER, { extFields }),
      3000,
      'unregistering from the NameServer failed',
    );
  }

  private async toEvery(
    request: () => RemotingCommand,
    timeoutMs: number,
    failure: string,
    answered: (response: RemotingCommand) => void = () => {},
  ): Promise<void> {
    await Promise.all(
      namesrvAddresses(this.config.namesrvAddr).map(async (address) => {
        try {
          const response = await this.client.invoke(address, request(), { timeoutMs });
          if (response.code !== ResponseCode.SUCCESS) throw new Error(`${response.code} ${response.remark ?? ''}`);
          answered(response);
        } catch (error) {
          this.logger.warn(`${address}: ${failure}: ${(error as Error).message}`);
        }
      }),
    );
  }
}
