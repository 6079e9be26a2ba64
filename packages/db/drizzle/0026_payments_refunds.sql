-- Partial refunds (docs/payments.md, "Refunds"): what the ledger has reversed of a payment so far, and
-- several partial reversals of one entry. A whole reversal (refund, dispute) stays at most one per entry.
ALTER TABLE "payments"."payments" ADD COLUMN IF NOT EXISTS "amount_refunded" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "payments"."payments" DROP CONSTRAINT IF EXISTS "payments_refunded_range";--> statement-breakpoint
ALTER TABLE "payments"."payments" ADD CONSTRAINT "payments_refunded_range" CHECK ("payments"."payments"."amount_refunded" between 0 and "payments"."payments"."amount");--> statement-breakpoint
DROP INDEX IF EXISTS "payments"."entries_reverses_idx";--> statement-breakpoint
CREATE UNIQUE INDEX IF NOT EXISTS "entries_reverses_idx" ON "payments"."entries" USING btree ("reverses") WHERE "payments"."entries"."kind" <> 'partial_refund';--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "entries_partial_reverses_idx" ON "payments"."entries" USING btree ("reverses") WHERE "payments"."entries"."kind" = 'partial_refund';
