/** What a user does on the platform; decides which side of a contract they may take. */
export enum PartyRole {
  Client = 'client',
  Freelancer = 'freelancer',
  Both = 'both',
}

export const PARTY_ROLES: readonly PartyRole[] = Object.values(PartyRole);

export function canActAsClient(role: PartyRole): boolean {
  return role === PartyRole.Client || role === PartyRole.Both;
}

export function canActAsFreelancer(role: PartyRole): boolean {
  return role === PartyRole.Freelancer || role === PartyRole.Both;
}
