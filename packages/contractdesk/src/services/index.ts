export { AccessService, type RoleInput } from './access.service';
export { ContractService, type CreateContractInput, type VersionedChange } from './contract.service';
export { PushSubscriptionService, type SubscribeInput } from './push-subscription.service';
export { UserService, type RegisterUserInput } from './user.service';
export { TransactionScope, type WriteScope } from './transaction-scope';
export { withRetry, type RetryOptions } from './retry';
