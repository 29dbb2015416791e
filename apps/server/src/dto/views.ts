import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CONTRACT_VIEW_FIELDS, type ContractViewBody, type ViewFields, type WireOf } from 'contractdesk';
import { PARTY_ROLES } from 'contractdesk';

/** Response bodies, as src/app/presenters.ts writes them (the contract tests check every e2e response against these). */

export class UserView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() username!: string;
  @ApiProperty({ enum: PARTY_ROLES }) role!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiPropertyOptional({ description: 'Only shown to the user themself' }) email?: string;
}

export class UserList {
  @ApiProperty({ type: [UserView] }) items!: UserView[];
}

/**
 * A response class whose schema is a library view's wire schema, field for field in the view's order: the read
 * model the services return, the body the presenter writes and this schema come from one definition.
 */
function viewClass<F extends ViewFields<never>>(name: string, fields: F): new () => WireOf<F> {
  const cls = { [name]: class {} }[name];
  for (const [field, { schema }] of Object.entries(fields)) {
    ApiProperty({ ...schema, enum: schema.enum && [...schema.enum] })(cls.prototype, field);
  }
  return cls as new () => WireOf<F>;
}

/** CONTRACT_VIEW_FIELDS (contractdesk's views/contract-view.ts). */
export const ContractView = viewClass('ContractView', CONTRACT_VIEW_FIELDS);
export type ContractView = ContractViewBody;

export class ContractList {
  @ApiProperty({ type: [ContractView] }) items!: ContractView[];
}

export class RoleView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: 'integer' }) priority!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class RoleList {
  @ApiProperty({ type: [RoleView] }) items!: RoleView[];
}

export class PermissionList {
  @ApiProperty({ type: [String] }) permissions!: string[];
}

export class PermissionCheck {
  @ApiProperty() permission!: string;
  @ApiProperty() allowed!: boolean;
}

export class PushSubscriptionView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uri' }) endpoint!: string;
  @ApiProperty({ format: 'uuid' }) userId!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class PushSubscriptionList {
  @ApiProperty({ type: [PushSubscriptionView] }) items!: PushSubscriptionView[];
}

export class HealthView {
  @ApiProperty({ enum: ['ok'] }) status!: string;
}

export class ReplicaView {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['ok', 'unreachable'] }) status!: string;
}

export class ReadyView {
  @ApiProperty({ enum: ['ready', 'not_ready'] }) status!: string;
  @ApiProperty({ enum: ['ok', 'unreachable'] }) database!: string;
  @ApiProperty({ type: 'integer', nullable: true, description: 'null when they could not be counted' }) pendingMigrations!: number | null;
  @ApiPropertyOptional({ type: [ReplicaView], description: 'Configured read replicas only' }) replicas?: ReplicaView[];
}

/**
 * Every error answer: an RFC 9457 problem document (`application/problem+json`). `code` is stable (an extension
 * member); each response lists the codes it can carry.
 */
export class ProblemDetails {
  @ApiProperty({ description: 'The problem type: `urn:contractdesk:problem:<code>`', example: 'urn:contractdesk:problem:VALIDATION.TYPE' }) type!: string;
  @ApiProperty({ description: 'A fixed summary of the problem type', example: 'Invalid request' }) title!: string;
  @ApiProperty({ description: 'The HTTP status code of this answer', example: 400, type: 'integer' }) status!: number;
  @ApiProperty({ description: 'What went wrong this time, in words (never echoes the request)', example: 'title has the wrong type' }) detail!: string;
  @ApiProperty({ description: 'The stable code clients switch on (extension member)', example: 'VALIDATION.TYPE' }) code!: string;
  @ApiPropertyOptional({ description: 'The request field at fault (validation errors; extension member)', example: 'title' }) field?: string;
}

/**
 * Every response shape is closed (`additionalProperties: false`): a field a presenter starts to emit by accident
 * (a secret, an internal column) fails the contract tests instead of reaching clients unnoticed.
 */
export const RESPONSE_SCHEMAS = [
  UserView,
  UserList,
  ContractView,
  ContractList,
  RoleView,
  RoleList,
  PermissionList,
  PermissionCheck,
  PushSubscriptionView,
  PushSubscriptionList,
  HealthView,
  ReplicaView,
  ReadyView,
  ProblemDetails,
] as const;
