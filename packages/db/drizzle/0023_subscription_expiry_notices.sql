CREATE TABLE "payments"."subscription_expiry_notices" (
	"subscription_id" uuid NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"noticed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "subscription_expiry_notices_subscription_id_period_end_pk" PRIMARY KEY("subscription_id","period_end")
);
--> statement-breakpoint
ALTER TABLE "payments"."subscription_expiry_notices" ADD CONSTRAINT "subscription_expiry_notices_subscription_id_subscriptions_id_fk" FOREIGN KEY ("subscription_id") REFERENCES "payments"."subscriptions"("id") ON DELETE cascade ON UPDATE no action;
