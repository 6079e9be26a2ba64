CREATE SCHEMA "content";
--> statement-breakpoint
CREATE TYPE "content"."video_source" AS ENUM('upload', 'recording');--> statement-breakpoint
CREATE TYPE "content"."video_status" AS ENUM('uploading', 'uploaded', 'processing', 'ready', 'failed');--> statement-breakpoint
CREATE TYPE "content"."video_visibility" AS ENUM('public', 'unlisted', 'private');--> statement-breakpoint
CREATE TABLE "content"."videos" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"owner_id" uuid NOT NULL,
	"channel_id" uuid,
	"source" "content"."video_source" DEFAULT 'upload' NOT NULL,
	"live_session_id" uuid,
	"title" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"category" text DEFAULT 'other' NOT NULL,
	"visibility" "content"."video_visibility" DEFAULT 'public' NOT NULL,
	"status" "content"."video_status" DEFAULT 'uploading' NOT NULL,
	"progress" integer DEFAULT 0 NOT NULL,
	"failure_reason" text,
	"source_bytes" bigint,
	"duration_ms" integer,
	"width" integer,
	"height" integer,
	"renditions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"view_count" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ready_at" timestamp with time zone,
	"search" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('simple', coalesce(title, '')), 'A') || setweight(array_to_tsvector(tags), 'B') || setweight(to_tsvector('simple', coalesce(description, '')), 'C')) STORED,
	CONSTRAINT "videos_progress_range" CHECK ("content"."videos"."progress" between 0 and 100)
);
--> statement-breakpoint
ALTER TABLE "content"."videos" ADD CONSTRAINT "videos_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "auth"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "content"."videos" ADD CONSTRAINT "videos_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "live"."channels"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "content"."videos" ADD CONSTRAINT "videos_live_session_id_live_sessions_id_fk" FOREIGN KEY ("live_session_id") REFERENCES "live"."live_sessions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "videos_owner_created_idx" ON "content"."videos" USING btree ("owner_id","created_at","id");--> statement-breakpoint
CREATE INDEX "videos_channel_created_idx" ON "content"."videos" USING btree ("channel_id","created_at","id");--> statement-breakpoint
CREATE INDEX "videos_library_newest_idx" ON "content"."videos" USING btree ("visibility","status","ready_at","id");--> statement-breakpoint
CREATE INDEX "videos_library_views_idx" ON "content"."videos" USING btree ("visibility","status","view_count","id");--> statement-breakpoint
CREATE INDEX "videos_search_idx" ON "content"."videos" USING gin ("search");--> statement-breakpoint
CREATE INDEX "videos_tags_idx" ON "content"."videos" USING gin ("tags");--> statement-breakpoint
CREATE UNIQUE INDEX "videos_live_session_unique" ON "content"."videos" USING btree ("live_session_id");