import { Migration } from '@mikro-orm/migrations';

/*
 * Since 2026-12-06 this migration creates ContractDesk's namespaced tables (contractdesk_*), so that a fresh install
 * never touches a host's `users`, `roles` or `contracts`. Databases that ran it before that date got the old names;
 * Migration20261206204545_Namespace renames them (and does nothing on a database created under the new names).
 */

export class Migration20261123165455 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`contractdesk_roles\` (\`id\` text not null, \`name\` text not null, \`description\` text not null default '', \`priority\` integer not null default 0, \`created_at\` datetime not null, \`updated_at\` datetime not null, primary key (\`id\`));`);
    this.addSql(`create unique index \`contractdesk_roles_name_unique\` on \`contractdesk_roles\` (\`name\`);`);

    this.addSql(`create table \`contractdesk_role_permissions\` (\`role_id\` text not null, \`permission\` text not null, \`created_at\` datetime not null, constraint \`contractdesk_role_permissions_role_id_foreign\` foreign key(\`role_id\`) references \`contractdesk_roles\`(\`id\`) on delete cascade on update cascade, primary key (\`role_id\`, \`permission\`));`);
    this.addSql(`create index \`contractdesk_role_permissions_role_id_index\` on \`contractdesk_role_permissions\` (\`role_id\`);`);

    this.addSql(`create table \`contractdesk_users\` (\`id\` text not null, \`username\` text not null, \`email\` text not null, \`role\` text check (\`role\` in ('client', 'freelancer', 'both')) not null, \`created_at\` datetime not null, primary key (\`id\`));`);
    this.addSql(`create unique index \`contractdesk_users_username_unique\` on \`contractdesk_users\` (\`username\`);`);
    this.addSql(`create unique index \`contractdesk_users_email_unique\` on \`contractdesk_users\` (\`email\`);`);

    this.addSql(`create table \`contractdesk_role_assignments\` (\`user_id\` text not null, \`role_id\` text not null, \`created_at\` datetime not null, constraint \`contractdesk_role_assignments_user_id_foreign\` foreign key(\`user_id\`) references \`contractdesk_users\`(\`id\`) on delete cascade on update cascade, constraint \`contractdesk_role_assignments_role_id_foreign\` foreign key(\`role_id\`) references \`contractdesk_roles\`(\`id\`) on delete cascade on update cascade, primary key (\`user_id\`, \`role_id\`));`);
    this.addSql(`create index \`contractdesk_role_assignments_user_id_index\` on \`contractdesk_role_assignments\` (\`user_id\`);`);
    this.addSql(`create index \`contractdesk_role_assignments_role_idx\` on \`contractdesk_role_assignments\` (\`role_id\`);`);

    this.addSql(`create table \`contractdesk_push_subscriptions\` (\`id\` text not null, \`endpoint\` text not null, \`p256dh\` text not null, \`auth\` text not null, \`user_id\` text not null, \`created_at\` datetime not null, \`updated_at\` datetime not null, constraint \`contractdesk_push_subscriptions_user_id_foreign\` foreign key(\`user_id\`) references \`contractdesk_users\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create unique index \`contractdesk_push_subscriptions_endpoint_unique\` on \`contractdesk_push_subscriptions\` (\`endpoint\`);`);
    this.addSql(`create index \`contractdesk_push_subscriptions_user_idx\` on \`contractdesk_push_subscriptions\` (\`user_id\`);`);

    this.addSql(`create table \`contractdesk_contracts\` (\`id\` text not null, \`title\` text not null, \`client_id\` text not null, \`freelancer_id\` text not null, \`amount\` bigint not null, \`status\` text check (\`status\` in ('draft', 'active', 'completed', 'disputed', 'cancelled')) not null, \`version\` integer not null default 1, \`created_at\` datetime not null, \`updated_at\` datetime not null, constraint \`contractdesk_contracts_client_id_foreign\` foreign key(\`client_id\`) references \`contractdesk_users\`(\`id\`) on delete restrict on update cascade, constraint \`contractdesk_contracts_freelancer_id_foreign\` foreign key(\`freelancer_id\`) references \`contractdesk_users\`(\`id\`) on delete restrict on update cascade, primary key (\`id\`), constraint contracts_amount_non_negative check (amount >= 0));`);
    this.addSql(`create index \`contractdesk_contracts_client_id_index\` on \`contractdesk_contracts\` (\`client_id\`);`);
    this.addSql(`create index \`contractdesk_contracts_freelancer_id_index\` on \`contractdesk_contracts\` (\`freelancer_id\`);`);
    this.addSql(`create index \`contractdesk_contracts_status_idx\` on \`contractdesk_contracts\` (\`status\`);`);
    this.addSql(`create index \`contractdesk_contracts_freelancer_created_idx\` on \`contractdesk_contracts\` (\`freelancer_id\`, \`created_at\`);`);
    this.addSql(`create index \`contractdesk_contracts_client_created_idx\` on \`contractdesk_contracts\` (\`client_id\`, \`created_at\`);`);
  }

}
