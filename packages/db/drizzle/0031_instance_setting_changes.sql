-- The history of the instance settings (api/src/domains/settings): one row per admin's change, written in
-- the same transaction as the change and its outbox event, kept after the outbox prunes published rows.
CREATE TABLE "settings"."instance_setting_changes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"actor_id" uuid,
	"changes" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "settings"."instance_setting_changes" ADD CONSTRAINT "instance_setting_changes_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "users"."users"("id") ON DELETE set null ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "instance_setting_changes_newest_idx" ON "settings"."instance_setting_changes" USING btree ("created_at","id");
