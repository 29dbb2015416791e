export { type FieldKind, type ModelOf, type ViewField, type ViewFields, type WireOf, type WireSchema, viewBody } from './fields';
export { CONTRACT_VIEW_FIELDS, type ContractView, type ContractViewBody, contractView, contractViewBody, isPartyOf } from './contract-view';
export { USER_IDENTITY_FIELDS, type UserIdentity } from './user-identity';
