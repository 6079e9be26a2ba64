-- Restream (issue 18): a channel's other RTMP(S) destinations and where each forward stands.
CREATE SCHEMA "restream";
--> statement-breakpoint
CREATE TABLE "restream"."destinations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"channel_id" uuid NOT NULL,
	"name" text NOT NULL,
	"url" text NOT NULL,
	"key_sealed" text NOT NULL,
	"key_hint" text NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"state" text DEFAULT 'offline' NOT NULL,
	"state_reason" text,
	"state_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "destinations_state_check" CHECK ("state" IN ('connecting', 'live', 'failed', 'offline'))
);
--> statement-breakpoint
ALTER TABLE "restream"."destinations" ADD CONSTRAINT "destinations_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "channels"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "destinations_channel_idx" ON "restream"."destinations" USING btree ("channel_id","created_at");
--> statement-breakpoint
-- Clips (issue 18): a clip is a video of the channel (videos.videos), credited here to its maker.
CREATE SCHEMA "clips";
--> statement-breakpoint
CREATE TABLE "clips"."clips" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"video_id" uuid NOT NULL,
	"channel_id" uuid NOT NULL,
	"live_session_id" uuid,
	"maker_id" uuid NOT NULL,
	"seconds" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "clips"."channel_settings" (
	"channel_id" uuid PRIMARY KEY NOT NULL,
	"viewers_may_clip" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "clips"."clips" ADD CONSTRAINT "clips_video_id_videos_id_fk" FOREIGN KEY ("video_id") REFERENCES "videos"."videos"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clips"."clips" ADD CONSTRAINT "clips_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "channels"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clips"."clips" ADD CONSTRAINT "clips_maker_id_users_id_fk" FOREIGN KEY ("maker_id") REFERENCES "users"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "clips"."channel_settings" ADD CONSTRAINT "channel_settings_channel_id_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "channels"."channels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "clips_maker_created_idx" ON "clips"."clips" USING btree ("maker_id","created_at");--> statement-breakpoint
CREATE INDEX "clips_channel_created_idx" ON "clips"."clips" USING btree ("channel_id","created_at");
