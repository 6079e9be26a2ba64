-- Go-live fan-out by keyset (docs/notifications.md): a channel's followers in follower-id order, so each
-- chunk's end is an index-only probe and each chunk's INSERT … SELECT reads only its own range.
CREATE INDEX IF NOT EXISTS "follows_channel_follower_idx" ON "engagement"."follows" USING btree ("channel_id","follower_id");
