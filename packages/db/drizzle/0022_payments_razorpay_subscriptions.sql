CREATE TABLE "payments"."tier_plans" (
	"tier_id" uuid NOT NULL,
	"provider" text NOT NULL,
	"price" bigint NOT NULL,
	"currency" text NOT NULL,
	"plan_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tier_plans_tier_id_provider_price_currency_pk" PRIMARY KEY("tier_id","provider","price","currency"),
	CONSTRAINT "tier_plans_price_positive" CHECK ("payments"."tier_plans"."price" > 0),
	CONSTRAINT "tier_plans_currency_iso4217" CHECK ("payments"."tier_plans"."currency" ~ '^[a-z]{3}$')
);
--> statement-breakpoint
ALTER TABLE "payments"."tier_plans" ADD CONSTRAINT "tier_plans_tier_id_tiers_id_fk" FOREIGN KEY ("tier_id") REFERENCES "payments"."tiers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "tier_plans_provider_plan_idx" ON "payments"."tier_plans" USING btree ("provider","plan_id");
