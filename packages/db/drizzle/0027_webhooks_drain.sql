-- Webhook drains (docs/webhooks.md): one `webhook.deliver` job per endpoint and drain generation instead
-- of one per delivery. `drain_seq` names the generation: a drain bumps it when it starts, so a delivery
-- added later queues a job of the next generation. The partial index holds the pending deliveries by
-- when they are due (a first attempt not yet taken: at once), so a drain finds the due ones without
-- reading the endpoint's history.
ALTER TABLE "webhooks"."endpoints" ADD COLUMN IF NOT EXISTS "drain_seq" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "deliveries_due_idx" ON "webhooks"."deliveries" USING btree ("endpoint_id",(coalesce("next_attempt_at", '-infinity'::timestamptz)),"created_at") WHERE "webhooks"."deliveries"."status" = 'pending';
