ALTER TABLE "live"."live_sessions" ADD COLUMN "stream_key_id" uuid;--> statement-breakpoint
ALTER TABLE "live"."live_sessions" ADD COLUMN "node_id" text;--> statement-breakpoint
ALTER TABLE "live"."live_sessions" ADD CONSTRAINT "live_sessions_stream_key_id_stream_keys_id_fk" FOREIGN KEY ("stream_key_id") REFERENCES "live"."stream_keys"("id") ON DELETE set null ON UPDATE no action;