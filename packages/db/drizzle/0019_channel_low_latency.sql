-- LL-HLS per channel (issue 18): the owner's choice; NULL follows the instance's LIVE_LL_HLS.
ALTER TABLE "channels"."channels" ADD COLUMN "low_latency" boolean;
--> statement-breakpoint
-- Clips of finished videos (issue 18), in the same slot: which video a clip was cut from, and where.
ALTER TABLE "clips"."clips" ADD COLUMN "source_video_id" uuid;--> statement-breakpoint
ALTER TABLE "clips"."clips" ADD COLUMN "start_ms" integer;
