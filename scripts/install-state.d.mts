/** Types for install-state.mjs (plain JavaScript: burrow.mjs runs before any TypeScript loader). */
export const SCHEMA_STAMP: string;
export function schemaChecksum(root: string): string;
export function writeSchemaStamp(root: string): void;
export function prismaClientIsCurrent(root: string): boolean;
export function dependencyProblems(root: string): string[];
