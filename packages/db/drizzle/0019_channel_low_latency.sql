-- LL-HLS per channel (issue 18): the owner's choice; NULL follows the instance's LIVE_LL_HLS.
ALTER TABLE "channels"."channels" ADD COLUMN "low_latency" boolean;
