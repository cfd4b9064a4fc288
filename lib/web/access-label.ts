// Pure: a name's protection in a few words, for lists (the names page, the tunnel page's header).

const MODE: Record<string, string> = { PUBLIC: "Public", PASSWORD: "Password", LINKS: "Links only" };

/** "Public", "Password", "Links only", narrowed by allowed networks: "Password · 2 networks". */
export function accessLabel(mode: string, allowedNetworks: number): string {
  const base = MODE[mode] ?? mode;
  if (allowedNetworks === 0) return base;
  return `${base} · ${allowedNetworks} ${allowedNetworks === 1 ? "network" : "networks"}`;
}
