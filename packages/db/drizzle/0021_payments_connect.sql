ALTER TABLE "payments"."connected_accounts" ADD COLUMN "charges_enabled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "payments"."connected_accounts" ADD COLUMN "payouts_enabled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "payments"."connected_accounts" ADD COLUMN "details_submitted" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "payments"."connected_accounts" ADD COLUMN "state_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "payments"."connected_accounts" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
-- Accounts linked before onboarding existed were linked by an operator for destination charges: they keep them.
UPDATE "payments"."connected_accounts" SET "charges_enabled" = true, "payouts_enabled" = true, "details_submitted" = true;--> statement-breakpoint
CREATE UNIQUE INDEX "connected_accounts_provider_account_idx" ON "payments"."connected_accounts" USING btree ("provider","account_id");--> statement-breakpoint
CREATE TYPE "payments"."payout_status" AS ENUM('paid', 'failed');--> statement-breakpoint
CREATE TABLE "payments"."payouts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"provider" text NOT NULL,
	"payout_id" text NOT NULL,
	"channel_id" uuid NOT NULL,
	"account_id" text NOT NULL,
	"status" "payments"."payout_status" NOT NULL,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"arrival_date" timestamp with time zone,
	"entry_id" uuid,
	"reversal_entry_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payouts_amount_positive" CHECK ("payments"."payouts"."amount" > 0),
	CONSTRAINT "payouts_currency_iso4217" CHECK ("payments"."payouts"."currency" ~ '^[a-z]{3}$')
);
--> statement-breakpoint
CREATE UNIQUE INDEX "payouts_provider_payout_idx" ON "payments"."payouts" USING btree ("provider","payout_id");--> statement-breakpoint
CREATE INDEX "payouts_channel_created_idx" ON "payments"."payouts" USING btree ("channel_id","created_at","id");
