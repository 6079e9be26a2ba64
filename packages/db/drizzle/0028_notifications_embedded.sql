-- The go-live fan-out on embedded PGlite (docs/notifications.md, docs/benchmarks.md): the foreign key
-- from a notification to its user ran one referential check per inserted row (a lookup and a key-share
-- lock of the user's row), about a quarter of the fan-out's per-row cost in PGlite, which runs on the
-- gateway's own thread. Every fan-out statement takes its recipients from rows that reference the user
-- already (follows, or the users table itself), and the `notifications.account-cleanup` consumer
-- deletes a deleted account's notifications on `user.deleted` instead of the cascade.
ALTER TABLE "notifications"."notifications" DROP CONSTRAINT IF EXISTS "notifications_user_id_users_id_fk";
