-- The stored provider events still to handle, oldest first: what a webhook batch locks beside its job's
-- own event and what the start-up pass redrives. Handled events (nearly all) are not in it.
CREATE INDEX IF NOT EXISTS "provider_events_unprocessed_idx" ON "payments"."provider_events" USING btree ("received_at") WHERE "payments"."provider_events"."processed_at" is null;
