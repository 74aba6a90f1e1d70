import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { RocketHealthIndicator } from '@rocketnest/nestjs/health';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly rocket: RocketHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () => this.rocket.isReachable('rocketmq', 1000),
      () => this.rocket.consumerLag('lag', 1000),
    ]);
  }
}
