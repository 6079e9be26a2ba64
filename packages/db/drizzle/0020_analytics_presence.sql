-- Live presence of each broadcast every 10 s (distinct viewers of /ws, players' heartbeats and beacons),
-- sampled by the gateways; the concurrent-viewer series of a broadcast merges it with the beacons' views.
-- Replicas sample the same shared presence, so one row per broadcast and tick, the higher count kept.
CREATE TABLE "analytics"."presence_samples" (
	"live_session_id" uuid NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"viewers" integer NOT NULL,
	CONSTRAINT "presence_samples_live_session_id_at_pk" PRIMARY KEY("live_session_id","at")
);
