-- Instance settings an admin changed at run time (api/src/domains/settings): one row per overridden
-- setting; a setting without a row takes its environment variable's value.
CREATE SCHEMA "settings";
--> statement-breakpoint
CREATE TABLE "settings"."instance_settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "settings"."instance_settings" ADD CONSTRAINT "instance_settings_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "users"."users"("id") ON DELETE set null ON UPDATE no action;
