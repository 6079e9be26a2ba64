-- Reserved migration slot; its owner replaces this file with the real change.
SELECT 1;
