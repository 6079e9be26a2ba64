CREATE TYPE "payments"."subscription_status" AS ENUM('incomplete', 'abandoned', 'active', 'past_due', 'expired');--> statement-breakpoint
CREATE TABLE "payments"."tiers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"channel_id" uuid NOT NULL,
	"name" text NOT NULL,
	"price" bigint NOT NULL,
	"currency" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tiers_price_positive" CHECK ("payments"."tiers"."price" > 0),
	CONSTRAINT "tiers_currency_iso4217" CHECK ("payments"."tiers"."currency" ~ '^[a-z]{3}$')
);
--> statement-breakpoint
CREATE TABLE "payments"."subscriptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"provider" text NOT NULL,
	"status" "payments"."subscription_status" DEFAULT 'incomplete' NOT NULL,
	"channel_id" uuid NOT NULL,
	"creator_id" uuid NOT NULL,
	"subscriber_id" uuid NOT NULL,
	"tier_id" uuid NOT NULL,
	"price" bigint NOT NULL,
	"currency" text NOT NULL,
	"destination" text,
	"checkout_id" text,
	"provider_subscription_id" text,
	"current_period_end" timestamp with time zone,
	"cancel_at_period_end" boolean DEFAULT false NOT NULL,
	"access_until" timestamp with time zone,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "subscriptions_price_positive" CHECK ("payments"."subscriptions"."price" > 0),
	CONSTRAINT "subscriptions_currency_iso4217" CHECK ("payments"."subscriptions"."currency" ~ '^[a-z]{3}$')
);
--> statement-breakpoint
ALTER TABLE "payments"."payments" ADD COLUMN "subscription_id" uuid;--> statement-breakpoint
ALTER TABLE "payments"."payments" ADD COLUMN "invoice_id" text;--> statement-breakpoint
ALTER TABLE "payments"."subscriptions" ADD CONSTRAINT "subscriptions_tier_id_tiers_id_fk" FOREIGN KEY ("tier_id") REFERENCES "payments"."tiers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "tiers_channel_name_idx" ON "payments"."tiers" USING btree ("channel_id","name");--> statement-breakpoint
CREATE UNIQUE INDEX "subscriptions_provider_checkout_idx" ON "payments"."subscriptions" USING btree ("provider","checkout_id");--> statement-breakpoint
CREATE UNIQUE INDEX "subscriptions_provider_subscription_idx" ON "payments"."subscriptions" USING btree ("provider","provider_subscription_id");--> statement-breakpoint
CREATE UNIQUE INDEX "subscriptions_one_live_idx" ON "payments"."subscriptions" USING btree ("subscriber_id","channel_id") WHERE "payments"."subscriptions"."status" in ('active', 'past_due');--> statement-breakpoint
CREATE INDEX "subscriptions_channel_idx" ON "payments"."subscriptions" USING btree ("channel_id","subscriber_id");--> statement-breakpoint
CREATE INDEX "subscriptions_due_idx" ON "payments"."subscriptions" USING btree ("access_until") WHERE "payments"."subscriptions"."status" in ('active', 'past_due');--> statement-breakpoint
CREATE UNIQUE INDEX "payments_provider_invoice_idx" ON "payments"."payments" USING btree ("provider","invoice_id");--> statement-breakpoint
CREATE INDEX "payments_subscription_idx" ON "payments"."payments" USING btree ("subscription_id");--> statement-breakpoint
-- The chat domain's subscribers-only mode (a perk of channel subscriptions) lands with them.
ALTER TABLE "chat"."chat_settings" ADD COLUMN "subscribers_only" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- A video visibility for subscribers (played with a playback token by the channel's subscribers only).
ALTER TYPE "videos"."video_visibility" ADD VALUE 'subscribers';--> statement-breakpoint
-- A payment under a chargeback (its tip's entry reversed until the dispute is won).
ALTER TYPE "payments"."payment_status" ADD VALUE 'disputed';
