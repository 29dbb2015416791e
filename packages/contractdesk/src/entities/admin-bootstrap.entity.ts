import { Check, Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * The one-time claim of the first administrator: at most one row, ever (primary key fixed at 1 by a CHECK).
 * Inserting it is the claim; the insert that loses finds the row and inserts nothing, so exactly one caller
 * wins under any concurrency. No foreign key to users: deleting the claimant (or revoking their roles) must
 * not delete the row, because a missing row would re-open the bootstrap to every registered user.
 */
@Entity({ tableName: 'contractdesk_admin_bootstrap' })
@Check({ name: 'admin_bootstrap_single_row', expression: 'id = 1' })
class ContractDeskAdminBootstrap {
  @PrimaryKey({ type: 'integer', autoincrement: false })
  id: number = 1;

  /** The user who claimed it, kept for audit only (the user may be gone since). */
  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'string', length: 255 })
  authSubject!: string;

  @Property({ type: 'datetime' })
  claimedAt: Date = new Date();
}

// MikroORM 6 names an entity after its runtime class name, and names are global within one ORM: a host with its
// own `AdminBootstrap` entity would clash. The class is ContractDeskAdminBootstrap at run time and AdminBootstrap in the domain (entities/index.ts).
export { ContractDeskAdminBootstrap as AdminBootstrap };
