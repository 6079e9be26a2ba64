CREATE SCHEMA "analytics";
--> statement-breakpoint
-- Raw player beacons, one row each, partitioned by day of arrival so that retention drops whole
-- partitions; the analytics store creates each day's partition before it writes into it.
CREATE TABLE "analytics"."events" (
	"view_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"event" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"view_started_at" timestamp with time zone NOT NULL,
	"target_type" text NOT NULL,
	"target_id" uuid NOT NULL,
	"channel_id" uuid,
	"viewer_id" text NOT NULL,
	"referrer" text NOT NULL,
	"device" text NOT NULL,
	"watched_ms" bigint NOT NULL,
	"position_pct" real NOT NULL,
	"rendition" text NOT NULL,
	"startup_ms" integer,
	"rebuffer_count" integer NOT NULL,
	"rebuffer_ms" bigint NOT NULL,
	"rendition_switches" integer NOT NULL,
	"failed" boolean NOT NULL,
	"error_code" text NOT NULL
) PARTITION BY RANGE ("received_at");
--> statement-breakpoint
-- The first rollup: each view's latest state, folded from the raw events by the roll-up job.
CREATE TABLE "analytics"."views" (
	"view_id" uuid PRIMARY KEY NOT NULL,
	"seq" integer NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"last_at" timestamp with time zone NOT NULL,
	"target_type" text NOT NULL,
	"target_id" uuid NOT NULL,
	"channel_id" uuid,
	"viewer_id" text NOT NULL,
	"referrer" text NOT NULL,
	"device" text NOT NULL,
	"watched_ms" bigint NOT NULL,
	"position_pct" real NOT NULL,
	"rendition" text NOT NULL,
	"startup_ms" integer,
	"rebuffer_count" integer NOT NULL,
	"rebuffer_ms" bigint NOT NULL,
	"rendition_switches" integer NOT NULL,
	"failed" boolean NOT NULL,
	"error_code" text NOT NULL,
	"exited_before_start" boolean NOT NULL
);
--> statement-breakpoint
CREATE INDEX "views_target_started_idx" ON "analytics"."views" USING btree ("target_id","started_at");
--> statement-breakpoint
CREATE INDEX "views_channel_started_idx" ON "analytics"."views" USING btree ("channel_id","started_at");
--> statement-breakpoint
CREATE INDEX "views_started_idx" ON "analytics"."views" USING btree ("started_at");
--> statement-breakpoint
CREATE INDEX "views_watched_idx" ON "analytics"."views" USING btree ("watched_ms");
--> statement-breakpoint
-- Whether a view that reached the counted-view threshold was counted (one per viewer, target and 30 min).
CREATE TABLE "analytics"."view_decisions" (
	"view_id" uuid PRIMARY KEY NOT NULL,
	"counted" boolean NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"target_type" text NOT NULL,
	"target_id" uuid NOT NULL,
	"channel_id" uuid,
	"viewer_id" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "view_decisions_viewer_idx" ON "analytics"."view_decisions" USING btree ("viewer_id","target_id","started_at");
--> statement-breakpoint
CREATE INDEX "view_decisions_target_idx" ON "analytics"."view_decisions" USING btree ("target_id","started_at");
--> statement-breakpoint
-- The day's salt of anonymous viewer ids; deleted after two days so that old ids cannot be linked.
CREATE TABLE "analytics"."salts" (
	"day" date PRIMARY KEY NOT NULL,
	"salt" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "analytics"."rollup_state" (
	"name" text PRIMARY KEY NOT NULL,
	"watermark" timestamp with time zone NOT NULL
);
