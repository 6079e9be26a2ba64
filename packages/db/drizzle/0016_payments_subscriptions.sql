-- Reserved for the payments_subscriptions work; replaced by its real migration when that lands.
SELECT 1;
