import { Migration } from '@mikro-orm/migrations';

/**
 * ContractDesk's namespace for databases migrated before the earlier migrations created namespaced tables (written
 * by hand: the generated diff dropped and re-created every table). No table is
 * rebuilt and no row copied: `alter table … rename to` keeps the rows and rewrites the foreign keys that point at
 * the table (SQLite 3.26+, legacy_alter_table off), so no cascade can fire (see test/migrations/sqlite-rebuild-rule.ts).
 * SQLite cannot rename an index, and index names are global to the database: each one is dropped and created again
 * under its `contractdesk_` name, on the same columns, inside this migration's transaction. The named checks keep
 * their names (per table; renaming one would need a rebuild).
 *
 * reviewed-safeguard: `rename to` here is the whole change, not the last step of a rebuild: no table is created,
 * copied or dropped, so nothing can cascade. test/migrations/schema-change.spec.ts checks every seeded row, its
 * checksum and every foreign key after this migration.
 */
export class Migration20261206204545_Namespace extends Migration {

  override async up(): Promise<void> {
    // A database created after the earlier migrations learnt the namespace already has it: nothing to rename.
    if ((await this.execute(`select 1 from sqlite_master where type = 'table' and name = 'contractdesk_users'`)).length > 0) return;
    this.addSql(`alter table \`users\` rename to \`contractdesk_users\`;`);
    this.addSql(`alter table \`contracts\` rename to \`contractdesk_contracts\`;`);
    this.addSql(`alter table \`roles\` rename to \`contractdesk_roles\`;`);
    this.addSql(`alter table \`role_permissions\` rename to \`contractdesk_role_permissions\`;`);
    this.addSql(`alter table \`role_assignments\` rename to \`contractdesk_role_assignments\`;`);
    this.addSql(`alter table \`push_subscriptions\` rename to \`contractdesk_push_subscriptions\`;`);
    this.addSql(`alter table \`admin_bootstrap\` rename to \`contractdesk_admin_bootstrap\`;`);
    this.addSql(`drop index \`roles_name_unique\`;`);
    this.addSql(`create unique index \`contractdesk_roles_name_unique\` on \`contractdesk_roles\` (\`name\`);`);
    this.addSql(`drop index \`role_permissions_role_id_index\`;`);
    this.addSql(`create index \`contractdesk_role_permissions_role_id_index\` on \`contractdesk_role_permissions\` (\`role_id\`);`);
    this.addSql(`drop index \`users_username_unique\`;`);
    this.addSql(`create unique index \`contractdesk_users_username_unique\` on \`contractdesk_users\` (\`username\`);`);
    this.addSql(`drop index \`users_email_unique\`;`);
    this.addSql(`create unique index \`contractdesk_users_email_unique\` on \`contractdesk_users\` (\`email\`);`);
    this.addSql(`drop index \`users_auth_subject_unique\`;`);
    this.addSql(`create unique index \`contractdesk_users_auth_subject_unique\` on \`contractdesk_users\` (\`auth_subject\`);`);
    this.addSql(`drop index \`role_assignments_user_id_index\`;`);
    this.addSql(`create index \`contractdesk_role_assignments_user_id_index\` on \`contractdesk_role_assignments\` (\`user_id\`);`);
    this.addSql(`drop index \`role_assignments_role_idx\`;`);
    this.addSql(`create index \`contractdesk_role_assignments_role_idx\` on \`contractdesk_role_assignments\` (\`role_id\`);`);
    this.addSql(`drop index \`push_subscriptions_endpoint_unique\`;`);
    this.addSql(`create unique index \`contractdesk_push_subscriptions_endpoint_unique\` on \`contractdesk_push_subscriptions\` (\`endpoint\`);`);
    this.addSql(`drop index \`push_subscriptions_user_idx\`;`);
    this.addSql(`create index \`contractdesk_push_subscriptions_user_idx\` on \`contractdesk_push_subscriptions\` (\`user_id\`);`);
    this.addSql(`drop index \`contracts_client_id_index\`;`);
    this.addSql(`create index \`contractdesk_contracts_client_id_index\` on \`contractdesk_contracts\` (\`client_id\`);`);
    this.addSql(`drop index \`contracts_freelancer_id_index\`;`);
    this.addSql(`create index \`contractdesk_contracts_freelancer_id_index\` on \`contractdesk_contracts\` (\`freelancer_id\`);`);
    this.addSql(`drop index \`contracts_status_idx\`;`);
    this.addSql(`create index \`contractdesk_contracts_status_idx\` on \`contractdesk_contracts\` (\`status\`);`);
    this.addSql(`drop index \`contracts_freelancer_created_idx\`;`);
    this.addSql(`create index \`contractdesk_contracts_freelancer_created_idx\` on \`contractdesk_contracts\` (\`freelancer_id\`, \`created_at\`);`);
    this.addSql(`drop index \`contracts_client_created_idx\`;`);
    this.addSql(`create index \`contractdesk_contracts_client_created_idx\` on \`contractdesk_contracts\` (\`client_id\`, \`created_at\`);`);
  }

}
