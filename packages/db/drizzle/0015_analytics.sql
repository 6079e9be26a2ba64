-- Reserved for the analytics work; replaced by its real migration when that lands.
SELECT 1;
