/** `contractdesk/nest`: the NestJS module. Kept apart from the main entry so non-Nest hosts never load Nest. */
export {
  ContractDeskModule,
  CONTRACTDESK_OPTIONS,
  PUSH_ENDPOINT_POLICY,
  type ContractDeskModuleOptions,
  type ContractDeskModuleAsyncOptions,
  type ContractDeskFeatureOptions,
  type ResolvedContractDeskOptions,
} from './contractdesk.module';
