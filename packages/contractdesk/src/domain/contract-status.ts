export enum ContractStatus {
  Draft = 'draft',
  Active = 'active',
  Completed = 'completed',
  Disputed = 'disputed',
  Cancelled = 'cancelled',
}

export const CONTRACT_STATUSES: readonly ContractStatus[] = Object.values(ContractStatus);

/**
 * The whole state machine. A status missing on the left is terminal.
 *
 * | from      | allowed to                       |
 * |-----------|----------------------------------|
 * | draft     | active, cancelled                |
 * | active    | completed, disputed, cancelled   |
 * | disputed  | completed, cancelled             |
 * | completed | (terminal)                       |
 * | cancelled | (terminal)                       |
 */
export const CONTRACT_TRANSITIONS: Readonly<Record<ContractStatus, readonly ContractStatus[]>> = {
  [ContractStatus.Draft]: [ContractStatus.Active, ContractStatus.Cancelled],
  [ContractStatus.Active]: [ContractStatus.Completed, ContractStatus.Disputed, ContractStatus.Cancelled],
  [ContractStatus.Disputed]: [ContractStatus.Completed, ContractStatus.Cancelled],
  [ContractStatus.Completed]: [],
  [ContractStatus.Cancelled]: [],
};

export function canTransition(from: ContractStatus, to: ContractStatus): boolean {
  return CONTRACT_TRANSITIONS[from].includes(to);
}

export function isTerminal(status: ContractStatus): boolean {
  return CONTRACT_TRANSITIONS[status].length === 0;
}
