-- One name per domain in every layer (issue 13): `live` becomes `channels`, `content` becomes `videos`,
-- the users table and its enums leave `auth` for `users`, and chat's tables leave `engagement` for `chat`.
-- Renames and moves only: rows, indexes, constraints and foreign keys go with their tables.
ALTER SCHEMA "live" RENAME TO "channels";
--> statement-breakpoint
ALTER SCHEMA "content" RENAME TO "videos";
--> statement-breakpoint
CREATE SCHEMA "users";
--> statement-breakpoint
ALTER TYPE "auth"."user_role" SET SCHEMA "users";
--> statement-breakpoint
ALTER TYPE "auth"."user_status" SET SCHEMA "users";
--> statement-breakpoint
ALTER TABLE "auth"."users" SET SCHEMA "users";
--> statement-breakpoint
CREATE SCHEMA "chat";
--> statement-breakpoint
ALTER TYPE "engagement"."moderation_action" SET SCHEMA "chat";
--> statement-breakpoint
ALTER TABLE "engagement"."chat_messages" SET SCHEMA "chat";
--> statement-breakpoint
ALTER TABLE "engagement"."chat_settings" SET SCHEMA "chat";
--> statement-breakpoint
ALTER TABLE "engagement"."channel_moderators" SET SCHEMA "chat";
--> statement-breakpoint
ALTER TABLE "engagement"."chat_restrictions" SET SCHEMA "chat";
--> statement-breakpoint
ALTER TABLE "engagement"."moderation_log" SET SCHEMA "chat";
