-- Reserved for the notifications work; replaced by its real migration when that lands.
SELECT 1;
