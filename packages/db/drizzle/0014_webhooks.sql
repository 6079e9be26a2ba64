-- Reserved for the webhooks work; replaced by its real migration when that lands.
SELECT 1;
