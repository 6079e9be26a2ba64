// TEMPORARY: removed once in-flight work has moved (issue 13)
export * from './channels.ts';
