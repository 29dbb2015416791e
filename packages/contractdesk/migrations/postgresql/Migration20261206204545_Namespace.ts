import { Migration } from '@mikro-orm/migrations';

/**
 * ContractDesk's namespace for databases migrated before the earlier migrations created namespaced tables (written
 * by hand: the generated diff dropped and re-created every table). Renames only,
 * no row is copied or rewritten: every table, and every index and constraint whose name PostgreSQL keeps in the
 * schema-wide namespace (primary keys, uniques, indexes) or that MikroORM derives from the table name (foreign keys,
 * enum checks), gets the `contractdesk_` prefix, so the tables sit beside a host's `users`, `roles`, `contracts`.
 * The two named checks keep their names (check names are per table). Foreign keys follow a renamed table by itself.
 */
export class Migration20261206204545_Namespace extends Migration {

  override async up(): Promise<void> {
    // A database created after the earlier migrations learnt the namespace already has it: nothing to rename.
    if ((await this.execute(`select 1 from information_schema.tables where table_schema = current_schema() and table_name = 'contractdesk_users'`)).length > 0) return;
    this.addSql(`alter table "users" rename to "contractdesk_users";`);
    this.addSql(`alter table "contractdesk_users" rename constraint "users_pkey" to "contractdesk_users_pkey";`);
    this.addSql(`alter table "contractdesk_users" rename constraint "users_username_unique" to "contractdesk_users_username_unique";`);
    this.addSql(`alter table "contractdesk_users" rename constraint "users_email_unique" to "contractdesk_users_email_unique";`);
    this.addSql(`alter table "contractdesk_users" rename constraint "users_auth_subject_unique" to "contractdesk_users_auth_subject_unique";`);
    this.addSql(`alter table "contractdesk_users" rename constraint "users_role_check" to "contractdesk_users_role_check";`);
    this.addSql(`alter table "contracts" rename to "contractdesk_contracts";`);
    this.addSql(`alter table "contractdesk_contracts" rename constraint "contracts_pkey" to "contractdesk_contracts_pkey";`);
    this.addSql(`alter table "contractdesk_contracts" rename constraint "contracts_status_check" to "contractdesk_contracts_status_check";`);
    this.addSql(`alter table "contractdesk_contracts" rename constraint "contracts_currency_check" to "contractdesk_contracts_currency_check";`);
    this.addSql(`alter table "contractdesk_contracts" rename constraint "contracts_client_id_foreign" to "contractdesk_contracts_client_id_foreign";`);
    this.addSql(`alter table "contractdesk_contracts" rename constraint "contracts_freelancer_id_foreign" to "contractdesk_contracts_freelancer_id_foreign";`);
    this.addSql(`alter table "roles" rename to "contractdesk_roles";`);
    this.addSql(`alter table "contractdesk_roles" rename constraint "roles_pkey" to "contractdesk_roles_pkey";`);
    this.addSql(`alter table "contractdesk_roles" rename constraint "roles_name_unique" to "contractdesk_roles_name_unique";`);
    this.addSql(`alter table "role_permissions" rename to "contractdesk_role_permissions";`);
    this.addSql(`alter table "contractdesk_role_permissions" rename constraint "role_permissions_pkey" to "contractdesk_role_permissions_pkey";`);
    this.addSql(`alter table "contractdesk_role_permissions" rename constraint "role_permissions_role_id_foreign" to "contractdesk_role_permissions_role_id_foreign";`);
    this.addSql(`alter table "role_assignments" rename to "contractdesk_role_assignments";`);
    this.addSql(`alter table "contractdesk_role_assignments" rename constraint "role_assignments_pkey" to "contractdesk_role_assignments_pkey";`);
    this.addSql(`alter table "contractdesk_role_assignments" rename constraint "role_assignments_user_id_foreign" to "contractdesk_role_assignments_user_id_foreign";`);
    this.addSql(`alter table "contractdesk_role_assignments" rename constraint "role_assignments_role_id_foreign" to "contractdesk_role_assignments_role_id_foreign";`);
    this.addSql(`alter table "push_subscriptions" rename to "contractdesk_push_subscriptions";`);
    this.addSql(`alter table "contractdesk_push_subscriptions" rename constraint "push_subscriptions_pkey" to "contractdesk_push_subscriptions_pkey";`);
    this.addSql(`alter table "contractdesk_push_subscriptions" rename constraint "push_subscriptions_endpoint_unique" to "contractdesk_push_subscriptions_endpoint_unique";`);
    this.addSql(`alter table "contractdesk_push_subscriptions" rename constraint "push_subscriptions_user_id_foreign" to "contractdesk_push_subscriptions_user_id_foreign";`);
    this.addSql(`alter table "admin_bootstrap" rename to "contractdesk_admin_bootstrap";`);
    this.addSql(`alter table "contractdesk_admin_bootstrap" rename constraint "admin_bootstrap_pkey" to "contractdesk_admin_bootstrap_pkey";`);
    this.addSql(`alter index "contracts_status_idx" rename to "contractdesk_contracts_status_idx";`);
    this.addSql(`alter index "contracts_freelancer_created_idx" rename to "contractdesk_contracts_freelancer_created_idx";`);
    this.addSql(`alter index "contracts_client_created_idx" rename to "contractdesk_contracts_client_created_idx";`);
    this.addSql(`alter index "role_assignments_role_idx" rename to "contractdesk_role_assignments_role_idx";`);
    this.addSql(`alter index "push_subscriptions_user_idx" rename to "contractdesk_push_subscriptions_user_idx";`);
  }

  override async down(): Promise<void> {
    // Nothing to undo: the earlier migrations' down() work on the namespaced names, which every database has now.
  }

}
