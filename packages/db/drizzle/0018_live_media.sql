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
