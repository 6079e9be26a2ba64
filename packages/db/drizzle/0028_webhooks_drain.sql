-- Webhook drains (docs/webhooks.md): one `webhook.deliver` job per endpoint and drain generation instead
-- of one per delivery. `drain_seq` names the generation: a drain bumps it when it starts, so a delivery
-- added later queues a job of the next generation. The partial index holds the deliveries waiting for
-- their first attempt, so a drain finds them without reading the endpoint's history.
ALTER TABLE "webhooks"."endpoints" ADD COLUMN IF NOT EXISTS "drain_seq" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "deliveries_queued_idx" ON "webhooks"."deliveries" USING btree ("endpoint_id","created_at") WHERE "webhooks"."deliveries"."status" = 'pending' AND "webhooks"."deliveries"."next_attempt_at" IS NULL;
