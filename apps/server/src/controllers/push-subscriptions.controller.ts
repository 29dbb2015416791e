import { ApiBody, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { HttpReply as Response } from '../http/http-types';
import { PushSubscriptionService } from 'contractdesk';
import { AccessPolicy } from '../access-policy';
import { CallerId } from '../http/caller';
import { SubscribeDto, UnsubscribeDto, UnsubscribeQuery } from '../dto/requests';
import { PushSubscriptionList, PushSubscriptionView } from '../dto/views';
import { ApiErrors, E } from '../openapi-errors';
import { presentPushSubscription } from '../presenters';

// What src/domain/push-endpoint.ts can say about an endpoint (beyond the text checks).
const ENDPOINT_ERRORS = [
  'PUSH.ENDPOINT_TOO_LONG',
  'PUSH.ENDPOINT_MALFORMED',
  'PUSH.ENDPOINT_NOT_HTTPS',
  'PUSH.ENDPOINT_USERINFO',
  'PUSH.ENDPOINT_PORT',
  'PUSH.ENDPOINT_IP_LITERAL',
  'PUSH.ENDPOINT_HOST_NOT_ALLOWED',
];

/** A user's Web Push subscriptions; only the user themself manages or sees them. */
@ApiTags('push')
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
  @ApiOperation({ summary: 'Subscribe (or refresh) a Web Push endpoint (the user themself)' })
  @ApiResponse({ status: 201, type: PushSubscriptionView, description: 'A new subscription' })
  @ApiResponse({ status: 200, type: PushSubscriptionView, description: 'The caller\'s own subscription, refreshed' })
  @ApiErrors(E.caller, E.body, E.id, E.text, E.user, {
    400: [...ENDPOINT_ERRORS, 'PUSH.KEY_P256DH_INVALID', 'PUSH.KEY_AUTH_INVALID'],
    409: ['PUSH.ENDPOINT_CLAIMED'],
  })
  async subscribe(@CallerId() caller: string, @Param('id') id: string, @Body() body: SubscribeDto, @Res({ passthrough: true }) res: Response) {
    this.policy.requireSelf(caller, id, 'manage these push subscriptions');
    const sub = await this.push.subscribe(id, { endpoint: body.endpoint, keys: body.keys });
    const refreshed = new Date(sub.updatedAt).getTime() > new Date(sub.createdAt).getTime();
    res.status(refreshed ? 200 : 201);
    return presentPushSubscription(sub);
  }

  @Get()
  @ApiOperation({ summary: 'A user\'s push subscriptions (the user themself; the auth secret is never returned)' })
  @ApiOkResponse({ type: PushSubscriptionList, description: 'Their subscriptions' })
  @ApiErrors(E.caller, E.id)
  async list(@CallerId() caller: string, @Param('id') id: string) {
    this.policy.requireSelf(caller, id, 'see these push subscriptions');
    return { items: (await this.push.listForUser(id)).map(presentPushSubscription) };
  }

  /** The endpoint comes as `?endpoint=<url-encoded>` (or `{ endpoint }` in the body, for clients that send one with DELETE). */
  @Delete()
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a push subscription (the user themself)' })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiBody({ type: UnsubscribeDto, required: false })
  @ApiErrors(E.caller, E.body, E.id, E.text, { 400: ENDPOINT_ERRORS, 404: ['PUSH.NOT_FOUND'] })
  async unsubscribe(
    @CallerId() caller: string,
    @Param('id') id: string,
    @Query() query: UnsubscribeQuery,
    // undefined without a body (see RolesController.update for why the type says otherwise)
    @Body() body: UnsubscribeDto,
  ): Promise<void> {
    this.policy.requireSelf(caller, id, 'manage these push subscriptions');
    await this.push.unsubscribe(id, query.endpoint ?? body?.endpoint);
  }
}
