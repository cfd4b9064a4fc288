/** Types for build-server.mjs (plain JavaScript so that `npm start` needs no TypeScript loader). */
export function buildServer(options?: { entry?: string; outfile?: string }): Promise<string>;
