CREATE SCHEMA "live";
--> statement-breakpoint
CREATE TYPE "live"."live_session_status" AS ENUM('live', 'ended');--> statement-breakpoint
CREATE TABLE "live"."channels" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"category" text NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"language" text DEFAULT 'en' NOT NULL,
	"record" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "live"."live_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"channel_id" uuid NOT NULL,
	"playback_id" text NOT NULL,
	"status" "live"."live_session_status" DEFAULT 'live' NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone,
	"ingest" jsonb,
	"peak_viewers" integer DEFAULT 0 NOT NULL,
	"recorded" boolean DEFAULT false NOT NULL,
	CONSTRAINT "live_sessions_ended_has_time" CHECK (("live"."live_sessions"."status" = 'live') = ("live"."live_sessions"."ended_at" is null))
);
--> statement-breakpoint
CREATE TABLE "live"."stream_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"channel_id" uuid NOT NULL,
	"name" text NOT NULL,
	"key_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "live"."channels" ADD CONSTRAINT "channels_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "auth"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "live"."live_sessions" ADD CONSTRAINT "live_sessions_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "live"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "live"."stream_keys" ADD CONSTRAINT "stream_keys_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "live"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "channels_owner_unique" ON "live"."channels" USING btree ("owner_id");--> statement-breakpoint
CREATE UNIQUE INDEX "channels_slug_lower_unique" ON "live"."channels" USING btree (lower("slug"));--> statement-breakpoint
CREATE UNIQUE INDEX "live_sessions_playback_id_unique" ON "live"."live_sessions" USING btree ("playback_id");--> statement-breakpoint
CREATE UNIQUE INDEX "live_sessions_one_live_per_channel" ON "live"."live_sessions" USING btree ("channel_id") WHERE "live"."live_sessions"."status" = 'live';--> statement-breakpoint
CREATE INDEX "live_sessions_status_started_idx" ON "live"."live_sessions" USING btree ("status","started_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "stream_keys_hash_unique" ON "live"."stream_keys" USING btree ("key_hash");--> statement-breakpoint
CREATE INDEX "stream_keys_channel_idx" ON "live"."stream_keys" USING btree ("channel_id","created_at");