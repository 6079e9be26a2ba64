CREATE SCHEMA "payments";
--> statement-breakpoint
CREATE TYPE "payments"."account_kind" AS ENUM('provider_clearing', 'creator_payable', 'platform_fees', 'refunds', 'disputes');--> statement-breakpoint
CREATE TYPE "payments"."payment_status" AS ENUM('pending', 'succeeded', 'expired', 'failed', 'refunded');--> statement-breakpoint
CREATE TABLE "payments"."connected_accounts" (
	"channel_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"account_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "connected_accounts_channel_id_provider_pk" PRIMARY KEY("channel_id","provider")
);
--> statement-breakpoint
CREATE TABLE "payments"."accounts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" "payments"."account_kind" NOT NULL,
	"currency" text NOT NULL,
	"owner" text DEFAULT '' NOT NULL,
	"balance" bigint DEFAULT 0 NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "accounts_currency_iso4217" CHECK ("payments"."accounts"."currency" ~ '^[a-z]{3}$')
);
--> statement-breakpoint
CREATE TABLE "payments"."entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"currency" text NOT NULL,
	"payment_id" uuid,
	"reverses" uuid,
	"description" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "entries_currency_iso4217" CHECK ("payments"."entries"."currency" ~ '^[a-z]{3}$')
);
--> statement-breakpoint
CREATE TABLE "payments"."lines" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"entry_id" uuid NOT NULL,
	"account_id" uuid NOT NULL,
	"amount" bigint NOT NULL,
	"previous_balance" bigint NOT NULL,
	"current_balance" bigint NOT NULL,
	"account_version" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lines_amount_nonzero" CHECK ("payments"."lines"."amount" <> 0),
	CONSTRAINT "lines_balance_follows" CHECK ("payments"."lines"."current_balance" = "payments"."lines"."previous_balance" + "payments"."lines"."amount")
);
--> statement-breakpoint
CREATE TABLE "payments"."payments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text DEFAULT 'tip' NOT NULL,
	"provider" text NOT NULL,
	"status" "payments"."payment_status" DEFAULT 'pending' NOT NULL,
	"channel_id" uuid NOT NULL,
	"creator_id" uuid NOT NULL,
	"payer_id" uuid,
	"amount" bigint NOT NULL,
	"currency" text NOT NULL,
	"platform_fee" bigint NOT NULL,
	"message" text,
	"checkout_id" text,
	"provider_payment_id" text,
	"destination" text,
	"entry_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payments_amount_positive" CHECK ("payments"."payments"."amount" > 0),
	CONSTRAINT "payments_fee_range" CHECK ("payments"."payments"."platform_fee" between 0 and "payments"."payments"."amount"),
	CONSTRAINT "payments_currency_iso4217" CHECK ("payments"."payments"."currency" ~ '^[a-z]{3}$')
);
--> statement-breakpoint
CREATE TABLE "payments"."provider_events" (
	"provider" text NOT NULL,
	"event_id" text NOT NULL,
	"type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone,
	"outcome" text,
	CONSTRAINT "provider_events_provider_event_id_pk" PRIMARY KEY("provider","event_id")
);
--> statement-breakpoint
ALTER TABLE "payments"."lines" ADD CONSTRAINT "lines_entry_id_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "payments"."entries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "payments"."lines" ADD CONSTRAINT "lines_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "payments"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_kind_currency_owner_idx" ON "payments"."accounts" USING btree ("kind","currency","owner");--> statement-breakpoint
CREATE INDEX "entries_payment_idx" ON "payments"."entries" USING btree ("payment_id");--> statement-breakpoint
CREATE UNIQUE INDEX "entries_reverses_idx" ON "payments"."entries" USING btree ("reverses");--> statement-breakpoint
CREATE INDEX "lines_entry_idx" ON "payments"."lines" USING btree ("entry_id");--> statement-breakpoint
CREATE INDEX "lines_account_created_idx" ON "payments"."lines" USING btree ("account_id","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "lines_account_version_idx" ON "payments"."lines" USING btree ("account_id","account_version");--> statement-breakpoint
CREATE UNIQUE INDEX "payments_provider_checkout_idx" ON "payments"."payments" USING btree ("provider","checkout_id");--> statement-breakpoint
CREATE UNIQUE INDEX "payments_provider_payment_idx" ON "payments"."payments" USING btree ("provider","provider_payment_id");--> statement-breakpoint
CREATE INDEX "payments_channel_created_idx" ON "payments"."payments" USING btree ("channel_id","created_at","id");--> statement-breakpoint
-- Added by hand (drizzle-kit does not model triggers): ledger entries and lines are immutable. A
-- correction is a new, reversing entry; an UPDATE or DELETE of either table fails.
CREATE FUNCTION "payments"."refuse_ledger_change"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'payments.% is append-only: post a reversing entry instead', TG_TABLE_NAME;
END
$$;--> statement-breakpoint
CREATE TRIGGER "entries_append_only" BEFORE UPDATE OR DELETE ON "payments"."entries" FOR EACH ROW EXECUTE FUNCTION "payments"."refuse_ledger_change"();--> statement-breakpoint
CREATE TRIGGER "lines_append_only" BEFORE UPDATE OR DELETE ON "payments"."lines" FOR EACH ROW EXECUTE FUNCTION "payments"."refuse_ledger_change"();
