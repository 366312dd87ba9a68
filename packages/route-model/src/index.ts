export type * from './types.ts';
export type * from './routing-table.ts';
