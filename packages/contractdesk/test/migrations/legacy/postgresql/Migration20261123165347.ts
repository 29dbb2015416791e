import { Migration } from '@mikro-orm/migrations';

// Fixture: this migration as released before 2026-12-06, with the tables' old names, so that
// test/migrations/legacy-namespace.spec.ts can build a database the way earlier versions left it.

export class Migration20261123165347 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`create table "roles" ("id" uuid not null, "name" varchar(64) not null, "description" varchar(500) not null default '', "priority" int not null default 0, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "roles_pkey" primary key ("id"));`);
    this.addSql(`alter table "roles" add constraint "roles_name_unique" unique ("name");`);

    this.addSql(`create table "role_permissions" ("role_id" uuid not null, "permission" varchar(128) not null, "created_at" timestamptz not null, constraint "role_permissions_pkey" primary key ("role_id", "permission"));`);

    this.addSql(`create table "users" ("id" uuid not null, "username" varchar(32) not null, "email" varchar(254) not null, "role" text check ("role" in ('client', 'freelancer', 'both')) not null, "created_at" timestamptz not null, constraint "users_pkey" primary key ("id"));`);
    this.addSql(`alter table "users" add constraint "users_username_unique" unique ("username");`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);

    this.addSql(`create table "role_assignments" ("user_id" uuid not null, "role_id" uuid not null, "created_at" timestamptz not null, constraint "role_assignments_pkey" primary key ("user_id", "role_id"));`);
    this.addSql(`create index "role_assignments_role_idx" on "role_assignments" ("role_id");`);

    this.addSql(`create table "push_subscriptions" ("id" uuid not null, "endpoint" varchar(1000) not null, "p256dh" varchar(100) not null, "auth" varchar(32) not null, "user_id" uuid not null, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "push_subscriptions_pkey" primary key ("id"));`);
    this.addSql(`alter table "push_subscriptions" add constraint "push_subscriptions_endpoint_unique" unique ("endpoint");`);
    this.addSql(`create index "push_subscriptions_user_idx" on "push_subscriptions" ("user_id");`);

    this.addSql(`create table "contracts" ("id" uuid not null, "title" varchar(200) not null, "client_id" uuid not null, "freelancer_id" uuid not null, "amount" bigint not null, "status" text check ("status" in ('draft', 'active', 'completed', 'disputed', 'cancelled')) not null, "version" int not null default 1, "created_at" timestamptz not null, "updated_at" timestamptz not null, constraint "contracts_pkey" primary key ("id"), constraint contracts_amount_non_negative check (amount >= 0));`);
    this.addSql(`create index "contracts_status_idx" on "contracts" ("status");`);
    this.addSql(`create index "contracts_freelancer_created_idx" on "contracts" ("freelancer_id", "created_at");`);
    this.addSql(`create index "contracts_client_created_idx" on "contracts" ("client_id", "created_at");`);

    this.addSql(`alter table "role_permissions" add constraint "role_permissions_role_id_foreign" foreign key ("role_id") references "roles" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "role_assignments" add constraint "role_assignments_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "role_assignments" add constraint "role_assignments_role_id_foreign" foreign key ("role_id") references "roles" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "push_subscriptions" add constraint "push_subscriptions_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);

    this.addSql(`alter table "contracts" add constraint "contracts_client_id_foreign" foreign key ("client_id") references "users" ("id") on update cascade on delete restrict;`);
    this.addSql(`alter table "contracts" add constraint "contracts_freelancer_id_foreign" foreign key ("freelancer_id") references "users" ("id") on update cascade on delete restrict;`);
  }

}
