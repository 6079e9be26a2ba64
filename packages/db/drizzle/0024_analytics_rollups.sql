-- Daily rollups of the per-view table, so that reports read a few rows per day instead of every view
-- (docs/analytics.md, "Storage"). One row per scope and UTC day of the views' start: scope is 'video'
-- or 'live' (scope_id: the target), 'channel' (scope_id: the channel) or 'instance' (scope_id: the
-- nil uuid). Only settled days are folded (every view of the day started more than 25 h ago); the
-- watermark is the row 'daily' of analytics.rollup_state.
CREATE TABLE "analytics"."rollup_daily" (
	"scope" text NOT NULL,
	"scope_id" uuid NOT NULL,
	"day" date NOT NULL,
	"channel_id" uuid,
	"views" bigint NOT NULL,
	"counted" bigint NOT NULL,
	"watched_ms" bigint NOT NULL,
	"rebuffer_count" bigint NOT NULL,
	"rebuffer_ms" bigint NOT NULL,
	"failed_views" bigint NOT NULL,
	"exits" bigint NOT NULL,
	-- Unique viewers, mergeable: the exact set of viewer-id hashes while it holds at most 1,024, else a
	-- HyperLogLog of 2^14 one-byte registers.
	"viewers" bigint[],
	"viewer_registers" bytea,
	CONSTRAINT "rollup_daily_pk" PRIMARY KEY("scope","scope_id","day")
);
--> statement-breakpoint
-- Top videos of a channel or of the instance read the video rows by channel.
CREATE INDEX "rollup_daily_channel_idx" ON "analytics"."rollup_daily" USING btree ("channel_id","scope","day");
--> statement-breakpoint
-- Startup times as a histogram (value, views): exact percentiles of any set of days.
CREATE TABLE "analytics"."rollup_startups" (
	"scope" text NOT NULL,
	"scope_id" uuid NOT NULL,
	"day" date NOT NULL,
	"startup_ms" integer NOT NULL,
	"views" bigint NOT NULL,
	CONSTRAINT "rollup_startups_pk" PRIMARY KEY("scope","scope_id","day","startup_ms")
);
--> statement-breakpoint
CREATE TABLE "analytics"."rollup_referrers" (
	"scope" text NOT NULL,
	"scope_id" uuid NOT NULL,
	"day" date NOT NULL,
	"referrer" text NOT NULL,
	"views" bigint NOT NULL,
	CONSTRAINT "rollup_referrers_pk" PRIMARY KEY("scope","scope_id","day","referrer")
);
