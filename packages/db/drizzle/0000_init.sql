CREATE SCHEMA "auth";
--> statement-breakpoint
CREATE TYPE "auth"."user_role" AS ENUM('viewer', 'streamer', 'moderator', 'admin');--> statement-breakpoint
CREATE TYPE "auth"."user_status" AS ENUM('active', 'suspended');--> statement-breakpoint
CREATE TABLE "auth"."users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"username" text NOT NULL,
	"display_name" text,
	"role" "auth"."user_role" DEFAULT 'viewer' NOT NULL,
	"status" "auth"."user_status" DEFAULT 'active' NOT NULL,
	"password_hash" text,
	"email_verified_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_lowercase" CHECK ("auth"."users"."email" = lower("auth"."users"."email"))
);
--> statement-breakpoint
CREATE UNIQUE INDEX "users_email_unique" ON "auth"."users" USING btree ("email");--> statement-breakpoint
CREATE UNIQUE INDEX "users_username_lower_unique" ON "auth"."users" USING btree (lower("username"));--> statement-breakpoint
CREATE INDEX "users_created_at_id_idx" ON "auth"."users" USING btree ("created_at","id");