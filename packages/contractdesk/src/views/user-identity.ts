import type { User } from '../entities/user.entity';
import type { ModelOf, ViewFields } from './fields';

/** Who a verified token's subject is (UserService.identifySubject): the user's id, nothing the caller may not see. */
export const USER_IDENTITY_FIELDS = {
  id: { property: 'id', kind: 'string', schema: { type: 'string', format: 'uuid' } },
} as const satisfies ViewFields<User>;

export type UserIdentity = ModelOf<typeof USER_IDENTITY_FIELDS>;
