import { Migration } from '@mikro-orm/migrations';

// Fixture: this migration as released before 2026-12-06, with the tables' old names, so that
// test/migrations/legacy-namespace.spec.ts can build a database the way earlier versions left it.

export class Migration20261123165455 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table \`roles\` (\`id\` text not null, \`name\` text not null, \`description\` text not null default '', \`priority\` integer not null default 0, \`created_at\` datetime not null, \`updated_at\` datetime not null, primary key (\`id\`));`);
    this.addSql(`create unique index \`roles_name_unique\` on \`roles\` (\`name\`);`);

    this.addSql(`create table \`role_permissions\` (\`role_id\` text not null, \`permission\` text not null, \`created_at\` datetime not null, constraint \`role_permissions_role_id_foreign\` foreign key(\`role_id\`) references \`roles\`(\`id\`) on delete cascade on update cascade, primary key (\`role_id\`, \`permission\`));`);
    this.addSql(`create index \`role_permissions_role_id_index\` on \`role_permissions\` (\`role_id\`);`);

    this.addSql(`create table \`users\` (\`id\` text not null, \`username\` text not null, \`email\` text not null, \`role\` text check (\`role\` in ('client', 'freelancer', 'both')) not null, \`created_at\` datetime not null, primary key (\`id\`));`);
    this.addSql(`create unique index \`users_username_unique\` on \`users\` (\`username\`);`);
    this.addSql(`create unique index \`users_email_unique\` on \`users\` (\`email\`);`);

    this.addSql(`create table \`role_assignments\` (\`user_id\` text not null, \`role_id\` text not null, \`created_at\` datetime not null, constraint \`role_assignments_user_id_foreign\` foreign key(\`user_id\`) references \`users\`(\`id\`) on delete cascade on update cascade, constraint \`role_assignments_role_id_foreign\` foreign key(\`role_id\`) references \`roles\`(\`id\`) on delete cascade on update cascade, primary key (\`user_id\`, \`role_id\`));`);
    this.addSql(`create index \`role_assignments_user_id_index\` on \`role_assignments\` (\`user_id\`);`);
    this.addSql(`create index \`role_assignments_role_idx\` on \`role_assignments\` (\`role_id\`);`);

    this.addSql(`create table \`push_subscriptions\` (\`id\` text not null, \`endpoint\` text not null, \`p256dh\` text not null, \`auth\` text not null, \`user_id\` text not null, \`created_at\` datetime not null, \`updated_at\` datetime not null, constraint \`push_subscriptions_user_id_foreign\` foreign key(\`user_id\`) references \`users\`(\`id\`) on delete cascade on update cascade, primary key (\`id\`));`);
    this.addSql(`create unique index \`push_subscriptions_endpoint_unique\` on \`push_subscriptions\` (\`endpoint\`);`);
    this.addSql(`create index \`push_subscriptions_user_idx\` on \`push_subscriptions\` (\`user_id\`);`);

    this.addSql(`create table \`contracts\` (\`id\` text not null, \`title\` text not null, \`client_id\` text not null, \`freelancer_id\` text not null, \`amount\` bigint not null, \`status\` text check (\`status\` in ('draft', 'active', 'completed', 'disputed', 'cancelled')) not null, \`version\` integer not null default 1, \`created_at\` datetime not null, \`updated_at\` datetime not null, constraint \`contracts_client_id_foreign\` foreign key(\`client_id\`) references \`users\`(\`id\`) on delete restrict on update cascade, constraint \`contracts_freelancer_id_foreign\` foreign key(\`freelancer_id\`) references \`users\`(\`id\`) on delete restrict on update cascade, primary key (\`id\`), constraint contracts_amount_non_negative check (amount >= 0));`);
    this.addSql(`create index \`contracts_client_id_index\` on \`contracts\` (\`client_id\`);`);
    this.addSql(`create index \`contracts_freelancer_id_index\` on \`contracts\` (\`freelancer_id\`);`);
    this.addSql(`create index \`contracts_status_idx\` on \`contracts\` (\`status\`);`);
    this.addSql(`create index \`contracts_freelancer_created_idx\` on \`contracts\` (\`freelancer_id\`, \`created_at\`);`);
    this.addSql(`create index \`contracts_client_created_idx\` on \`contracts\` (\`client_id\`, \`created_at\`);`);
  }

}
