import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { HttpResponse as Response } from '../http/http-types';
import { PushSubscriptionService } from '../../services/push-subscription.service';
import { AccessPolicy } from '../access-policy';
import { CallerId } from '../http/caller';
import { objectBody } from '../http/request-values';
import { presentPushSubscription } from '../presenters';

/** A user's Web Push subscriptions; only the user themself manages or sees them. */
@Controller('users/:id/push-subscriptions')
export class PushSubscriptionsController {
  constructor(
    @Inject(PushSubscriptionService) private readonly push: PushSubscriptionService,
    @Inject(AccessPolicy) private readonly policy: AccessPolicy,
  ) {}

  /**
   * `{ endpoint, keys: { p256dh, auth } }`. 201 for a new subscription, 200 when the caller refreshed their own;
   * 409 PUSH.ENDPOINT_CLAIMED when the endpoint belongs to another account (whose row stays untouched).
   * The claim is one atomic statement, so it is not retried: a second try could only say the same.
   */
  @Post()
  async subscribe(@CallerId() caller: string, @Param('id') id: string, @Body() raw: unknown, @Res({ passthrough: true }) res: Response) {
    const body = objectBody(raw);
    this.policy.requireSelf(caller, id, 'manage these push subscriptions');
    const sub = await this.push.subscribe(id, { endpoint: body.endpoint, keys: body.keys });
    const refreshed = new Date(sub.updatedAt).getTime() > new Date(sub.createdAt).getTime();
    res.status(refreshed ? 200 : 201);
    return presentPushSubscription(sub);
  }

  @Get()
  async list(@CallerId() caller: string, @Param('id') id: string) {
    this.policy.requireSelf(caller, id, 'see these push subscriptions');
    return { items: (await this.push.listForUser(id)).map(presentPushSubscription) };
  }

  /** The endpoint comes as `?endpoint=<url-encoded>` (or `{ endpoint }` in the body, for clients that send one with DELETE). */
  @Delete()
  @HttpCode(204)
  async unsubscribe(
    @CallerId() caller: string,
    @Param('id') id: string,
    @Query('endpoint') endpoint: string | undefined,
    @Body() raw: unknown,
  ): Promise<void> {
    this.policy.requireSelf(caller, id, 'manage these push subscriptions');
    await this.push.unsubscribe(id, endpoint ?? objectBody(raw).endpoint);
  }
}
