import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { RocketConnection } from '../rocket-connection.js';

/**
 * Terminus 12 indicators for RocketMQ (import from '@rocketnest/nestjs/health'; needs
 * @nestjs/terminus and TerminusModule). isReachable: the NameServer and every broker master it
 * lists answer within a timeout; the details list every broker, slaves too, with its role and
 * replication lag in bytes (a slave that does not answer is listed with why). consumerLag: messages the listener groups have yet to
 * consume; above the threshold the check is degraded (HTTP stays 200), not down.
 */
@Injectable()
export class RocketHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly connection: RocketConnection,
  ) {}

  isReachable(key = 'rocketmq', timeoutMs = 1000) {
    return this.health
      .check(key)
      .attempt(async () => this.connection.ping(timeoutMs))
      .withTimeout(timeoutMs * 2);
  }

  async consumerLag(key = 'rocketmq-lag', threshold = 1000) {
    const indicator = this.health.check(key);
    try {
      const groups = await this.connection.consumerLag();
      const worst = Math.max(0, ...Object.values(groups));
      return worst > threshold ? indicator.degraded({ groups, threshold }) : indicator.up({ groups });
    } catch (error) {
      return indicator.down({ reason: (error as Error).message });
    }
  }
}
