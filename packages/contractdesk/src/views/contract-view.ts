import { CONTRACT_STATUSES } from '../domain/contract-status';
import { CONTRACT_CURRENCIES, type Contract } from '../entities/contract.entity';
import { type ModelOf, type ViewFields, type WireOf, viewBody } from './fields';

const UUID = { type: 'string', format: 'uuid' } as const;
const DATE_TIME = { type: 'string', format: 'date-time' } as const;

/**
 * A contract as the read side returns it (ContractService.view, listViewsForClient/ForFreelancer) and as the HTTP
 * app answers it. Field order is the body's.
 */
export const CONTRACT_VIEW_FIELDS = {
  id: { property: 'id', kind: 'string', schema: UUID },
  title: { property: 'title', kind: 'string', schema: { type: 'string' } },
  clientId: { property: 'client', kind: 'string', schema: UUID },
  freelancerId: { property: 'freelancer', kind: 'string', schema: UUID },
  amount: {
    property: 'amount',
    kind: 'stroops',
    schema: { type: 'string', pattern: '^[0-9]+$', description: 'int64 stroops as decimal digits', example: '1000000' },
  },
  currency: { property: 'currency', kind: 'string', schema: { type: 'string', enum: CONTRACT_CURRENCIES } },
  status: { property: 'status', kind: 'string', schema: { type: 'string', enum: CONTRACT_STATUSES } },
  version: { property: 'version', kind: 'integer', schema: { type: 'integer', minimum: 1, description: 'Also sent as the ETag header' } },
  createdAt: { property: 'createdAt', kind: 'datetime', schema: DATE_TIME },
  updatedAt: { property: 'updatedAt', kind: 'datetime', schema: DATE_TIME },
} as const satisfies ViewFields<Contract>;

/** A frozen snapshot of one contract: no entity, no identity map, nothing to flush. */
export type ContractView = ModelOf<typeof CONTRACT_VIEW_FIELDS>;
/** A contract as a JSON body: amount as decimal digits, dates as ISO 8601 strings. */
export type ContractViewBody = WireOf<typeof CONTRACT_VIEW_FIELDS>;

/** The same snapshot of a managed entity (what a write returns), so both sides answer with one shape. */
export function contractView(contract: Contract): ContractView {
  return Object.freeze({
    id: contract.id,
    title: contract.title,
    clientId: contract.client.id,
    freelancerId: contract.freelancer.id,
    amount: contract.amount,
    currency: contract.currency,
    status: contract.status,
    version: contract.version,
    createdAt: contract.createdAt,
    updatedAt: contract.updatedAt,
  });
}

export function contractViewBody(view: ContractView): ContractViewBody {
  return viewBody(CONTRACT_VIEW_FIELDS, view);
}

/** Whether `userId` is the client or the freelancer of the contract the view shows. */
export function isPartyOf(view: ContractView, userId: string): boolean {
  return view.clientId === userId || view.freelancerId === userId;
}
