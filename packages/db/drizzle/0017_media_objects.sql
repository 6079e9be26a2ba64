CREATE SCHEMA "media";
--> statement-breakpoint
CREATE TABLE "media"."multipart_uploads" (
	"key" text PRIMARY KEY NOT NULL,
	"upload_id" text NOT NULL,
	"object" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "media"."multipart_parts" (
	"key" text NOT NULL,
	"part_number" integer NOT NULL,
	"start" bigint NOT NULL,
	"size" bigint NOT NULL,
	"etag" text NOT NULL,
	CONSTRAINT "multipart_parts_key_part_number_pk" PRIMARY KEY("key","part_number"),
	CONSTRAINT "multipart_parts_part_number_range" CHECK ("media"."multipart_parts"."part_number" BETWEEN 1 AND 10000)
);
--> statement-breakpoint
ALTER TABLE "media"."multipart_parts" ADD CONSTRAINT "multipart_parts_key_multipart_uploads_key_fk" FOREIGN KEY ("key") REFERENCES "media"."multipart_uploads"("key") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE TABLE "media"."migrated_objects" (
	"key" text NOT NULL,
	"target" text NOT NULL,
	"size" bigint NOT NULL,
	"source_modified" timestamp with time zone NOT NULL,
	"sha256" text NOT NULL,
	"migrated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "migrated_objects_target_key_pk" PRIMARY KEY("target","key")
);
