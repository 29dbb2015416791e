import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { CONTRACT_STATUSES, type ContractStatus } from 'contractdesk';
import { PARTY_ROLES, type PartyRole } from 'contractdesk';
import { ENDPOINT_MAX_LENGTH } from 'contractdesk';
import { LIMITS, PERMISSION_PATTERN } from 'contractdesk/internal';
import { Amount, List, Nested, OneOf, Optional, QueryNumber, QueryText, Text, Uuid, WholeNumber } from './rules';

/**
 * Request bodies and queries. The decorators check shape and type (with the domain's codes); the numbers in
 * the OpenAPI hints are the domain's own constants, which the entities enforce.
 */

/** Amounts travel as decimal strings; a JSON number is accepted while it is exact (below 2^53). */
const AMOUNT_SCHEMA: ApiPropertyOptions = {
  oneOf: [
    { type: 'string', pattern: '^[0-9]+$', maxLength: 19, description: 'int64 stroops as decimal digits' },
    { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
  ],
  example: '1000000',
};

const VERSION_SCHEMA = { type: 'integer', minimum: 1, maximum: LIMITS.versionMax } as const;

export class RegisterUserDto {
  @ApiProperty({ minLength: LIMITS.usernameMin, maxLength: LIMITS.usernameMax, example: 'ada' })
  @Text()
  username!: string;

  @ApiProperty({ maxLength: LIMITS.emailMax, example: 'ada@example.com' })
  @Text()
  email!: string;

  @ApiProperty({ enum: PARTY_ROLES })
  @OneOf(PARTY_ROLES)
  role!: PartyRole;
}

export class ListUsersQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: LIMITS.listLimitMax, default: 20 })
  @Optional()
  @QueryNumber()
  limit?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, default: 0 })
  @Optional()
  @QueryNumber()
  offset?: string;
}

export class CreateContractDto {
  @ApiProperty({ maxLength: LIMITS.titleMax, example: 'Logo design' })
  @Text()
  title!: string;

  @ApiProperty({ format: 'uuid' })
  @Uuid()
  clientId!: string;

  @ApiProperty({ format: 'uuid' })
  @Uuid()
  freelancerId!: string;

  @ApiProperty(AMOUNT_SCHEMA)
  @Amount()
  amount!: string | number;
}

/** Every contract change carries the version it is based on, here or as `If-Match`. */
class VersionedChangeDto {
  @ApiPropertyOptional({ ...VERSION_SCHEMA, description: 'The version last seen; or send it as If-Match' })
  @Optional()
  @WholeNumber()
  expectedVersion?: number;
}

export class TransitionDto extends VersionedChangeDto {
  @ApiProperty({ enum: CONTRACT_STATUSES })
  @OneOf(CONTRACT_STATUSES)
  to!: ContractStatus;
}

export class ReviseAmountDto extends VersionedChangeDto {
  @ApiProperty(AMOUNT_SCHEMA)
  @Amount()
  amount!: string | number;
}

export class RenameContractDto extends VersionedChangeDto {
  @ApiProperty({ maxLength: LIMITS.titleMax })
  @Text()
  title!: string;
}

export class AmountRevisionDto {
  @ApiProperty({ format: 'uuid' })
  @Uuid()
  id!: string;

  @ApiProperty(VERSION_SCHEMA)
  @WholeNumber()
  expectedVersion!: number;

  @ApiProperty(AMOUNT_SCHEMA)
  @Amount()
  amount!: string | number;
}

export class AmountRevisionsDto {
  @ApiProperty({ type: [AmountRevisionDto], minItems: 1, maxItems: LIMITS.amountRevisionsMax })
  @List('VALIDATION.INVALID_VALUE', `must be a list of 1 to ${LIMITS.amountRevisionsMax} amount revisions`)
  @Nested('must be an object', true)
  @Type(() => AmountRevisionDto)
  changes!: AmountRevisionDto[];
}

export class ListContractsQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Exactly one of clientId and freelancerId' })
  @Optional()
  @QueryText()
  clientId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @Optional()
  @QueryText()
  freelancerId?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: LIMITS.listLimitMax, default: 20 })
  @Optional()
  @QueryNumber()
  limit?: string;
}

export class CreateRoleDto {
  @ApiProperty({ maxLength: LIMITS.roleNameMax })
  @Text()
  name!: string;

  @ApiPropertyOptional({ maxLength: LIMITS.descriptionMax })
  @Optional()
  @Text()
  description?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: LIMITS.priorityMin, maximum: LIMITS.priorityMax })
  @Optional()
  @WholeNumber()
  priority?: number;
}

/** Fields left out stay as they are. */
export class UpdateRoleDto {
  @ApiPropertyOptional({ maxLength: LIMITS.roleNameMax })
  @Optional()
  @Text()
  name?: string;

  @ApiPropertyOptional({ maxLength: LIMITS.descriptionMax })
  @Optional()
  @Text()
  description?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: LIMITS.priorityMin, maximum: LIMITS.priorityMax })
  @Optional()
  @WholeNumber()
  priority?: number;
}

export class SetPermissionsDto {
  @ApiProperty({ type: [String], items: { type: 'string', pattern: PERMISSION_PATTERN.source, maxLength: LIMITS.permissionMax } })
  @List()
  permissions!: string[];
}

export class PushKeysDto {
  @ApiProperty({ description: 'base64url, an uncompressed P-256 point (65 bytes)' })
  @Text('PUSH.KEY_P256DH_INVALID')
  p256dh!: string;

  @ApiProperty({ description: 'base64url, 16 bytes' })
  @Text('PUSH.KEY_AUTH_INVALID')
  auth!: string;
}

export class SubscribeDto {
  @ApiProperty({ format: 'uri', maxLength: ENDPOINT_MAX_LENGTH, description: 'https URL on an allowed push service host' })
  @Text()
  endpoint!: string;

  @ApiProperty({ type: PushKeysDto })
  @Nested('must be an object with p256dh and auth')
  @Type(() => PushKeysDto)
  keys!: PushKeysDto;
}

export class UnsubscribeQuery {
  @ApiPropertyOptional({ format: 'uri', description: 'The endpoint to remove (or `endpoint` in the body)' })
  @Optional()
  @QueryText()
  endpoint?: string;
}

export class UnsubscribeDto {
  @ApiPropertyOptional({ format: 'uri' })
  @Optional()
  @Text()
  endpoint?: string;
}
