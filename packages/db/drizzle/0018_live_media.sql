-- Reserved for the live_media work; replaced by its real migration when that lands.
SELECT 1;
