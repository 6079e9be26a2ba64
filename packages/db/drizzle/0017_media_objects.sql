-- Reserved for the media_objects work; replaced by its real migration when that lands.
SELECT 1;
