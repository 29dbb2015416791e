import { Migration } from '@mikro-orm/migrations';

/*
 * Since 2026-12-06 this migration creates ContractDesk's namespaced tables (contractdesk_*), so that a fresh install
 * never touches a host's `users`, `roles` or `contracts`. Databases that ran it before that date got the old names;
 * Migration20261206204545_Namespace renames them (and does nothing on a database created under the new names).
 */

export class Migration20261123165347 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "contractdesk_roles" ("id" uuid not null, "name" varchar(64) not null, "description" varchar(500) not null default '', "priority" int not null default 0, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "contractdesk_roles_pkey" primary key ("id"));`);
    this.addSql(`alter table "contractdesk_roles" add constraint "contractdesk_roles_name_unique" unique ("name");`);

    this.addSql(`create table "contractdesk_role_permissions" ("role_id" uuid not null, "permission" varchar(128) not null, "created_at" timestamptz not null, constraint "contractdesk_role_permissions_pkey" primary key ("role_id", "permission"));`);

    this.addSql(`create table "contractdesk_users" ("id" uuid not null, "username" varchar(32) not null, "email" varchar(254) not null, "role" text check ("role" in ('client', 'freelancer', 'both')) not null, "created_at" timestamptz not null, constraint "contractdesk_users_pkey" primary key ("id"));`);
    this.addSql(`alter table "contractdesk_users" add constraint "contractdesk_users_username_unique" unique ("username");`);
    this.addSql(`alter table "contractdesk_users" add constraint "contractdesk_users_email_unique" unique ("email");`);

    this.addSql(`create table "contractdesk_role_assignments" ("user_id" uuid not null, "role_id" uuid not null, "created_at" timestamptz not null, constraint "contractdesk_role_assignments_pkey" primary key ("user_id", "role_id"));`);
    this.addSql(`create index "contractdesk_role_assignments_role_idx" on "contractdesk_role_assignments" ("role_id");`);

    this.addSql(`create table "contractdesk_push_subscriptions" ("id" uuid not null, "endpoint" varchar(1000) not null, "p256dh" varchar(100) not null, "auth" varchar(32) not null, "user_id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "contractdesk_push_subscriptions_pkey" primary key ("id"));`);
    this.addSql(`alter table "contractdesk_push_subscriptions" add constraint "contractdesk_push_subscriptions_endpoint_unique" unique ("endpoint");`);
    this.addSql(`create index "contractdesk_push_subscriptions_user_idx" on "contractdesk_push_subscriptions" ("user_id");`);

    this.addSql(`create table "contractdesk_contracts" ("id" uuid not null, "title" varchar(200) not null, "client_id" uuid not null, "freelancer_id" uuid not null, "amount" bigint not null, "status" text check ("status" in ('draft', 'active', 'completed', 'disputed', 'cancelled')) not null, "version" int not null default 1, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "contractdesk_contracts_pkey" primary key ("id"), constraint contracts_amount_non_negative check (amount >= 0));`);
    this.addSql(`create index "contractdesk_contracts_status_idx" on "contractdesk_contracts" ("status");`);
    this.addSql(`create index "contractdesk_contracts_freelancer_created_idx" on "contractdesk_contracts" ("freelancer_id", "created_at");`);
    this.addSql(`create index "contractdesk_contracts_client_created_idx" on "contractdesk_contracts" ("client_id", "created_at");`);

    this.addSql(`alter table "contractdesk_role_permissions" add constraint "contractdesk_role_permissions_role_id_foreign" foreign key ("role_id") references "contractdesk_roles" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "contractdesk_role_assignments" add constraint "contractdesk_role_assignments_user_id_foreign" foreign key ("user_id") references "contractdesk_users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "contractdesk_role_assignments" add constraint "contractdesk_role_assignments_role_id_foreign" foreign key ("role_id") references "contractdesk_roles" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "contractdesk_push_subscriptions" add constraint "contractdesk_push_subscriptions_user_id_foreign" foreign key ("user_id") references "contractdesk_users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "contractdesk_contracts" add constraint "contractdesk_contracts_client_id_foreign" foreign key ("client_id") references "contractdesk_users" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "contractdesk_contracts" add constraint "contractdesk_contracts_freelancer_id_foreign" foreign key ("freelancer_id") references "contractdesk_users" ("id") on update cascade on delete restrict;`);
  }

}
