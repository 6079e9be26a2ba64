-- Reserved migration slot; replaced by its owner or removed before landing.
SELECT 1;
