ALTER TABLE "content"."uploads" ADD COLUMN "upload_offset" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "content"."uploads" ADD COLUMN "patch_owner" uuid;--> statement-breakpoint
ALTER TABLE "content"."uploads" ADD COLUMN "patch_lease_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "content"."uploads" ADD CONSTRAINT "uploads_offset_range" CHECK ("content"."uploads"."upload_offset" between 0 and "content"."uploads"."length");