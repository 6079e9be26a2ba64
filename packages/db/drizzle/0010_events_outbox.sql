CREATE SCHEMA "events";
--> statement-breakpoint
CREATE TABLE "events"."consumer_positions" (
	"consumer" text NOT NULL,
	"aggregate" text NOT NULL,
	"seq" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "consumer_positions_consumer_aggregate_pk" PRIMARY KEY("consumer","aggregate")
);
--> statement-breakpoint
CREATE TABLE "events"."handled" (
	"consumer" text NOT NULL,
	"event_id" uuid NOT NULL,
	"handled_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "handled_consumer_event_id_pk" PRIMARY KEY("consumer","event_id")
);
--> statement-breakpoint
CREATE TABLE "events"."outbox" (
	"seq" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "events"."outbox_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"id" uuid NOT NULL,
	"name" text NOT NULL,
	"payload" jsonb NOT NULL,
	"aggregate" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX "consumer_positions_updated_at_idx" ON "events"."consumer_positions" USING btree ("updated_at");--> statement-breakpoint
CREATE INDEX "handled_handled_at_idx" ON "events"."handled" USING btree ("handled_at");--> statement-breakpoint
CREATE INDEX "outbox_unpublished_idx" ON "events"."outbox" USING btree ("seq") WHERE "events"."outbox"."published_at" is null;--> statement-breakpoint
CREATE INDEX "outbox_published_at_idx" ON "events"."outbox" USING btree ("published_at") WHERE "events"."outbox"."published_at" is not null;--> statement-breakpoint
CREATE INDEX "outbox_aggregate_seq_idx" ON "events"."outbox" USING btree ("aggregate","seq");