// Pure: a name's protection in a few words, for lists (the names page, the tunnel page's header).

const MODE: Record<string, string> = { PUBLIC: "Public", PASSWORD: "Password", LINKS: "Links only" };

/** "Public", "Password", "Links only", narrowed by allowed networks: "Password · 2 networks". */
export function accessLabel(mode: string, allowedNetworks: number): string {
  const base = MODE[mode] ?? mode;
  if (allowedNetworks === 0) return base;
  return `${base} · ${allowedNetworks} ${allowedNetworks === 1 ? "network" : "networks"}`;
}

/**
 * The line under a name's QR code: the code opens the bare address, which a protected name does
 * not simply show (someone scanning it would meet a password page, or "This address is private").
 */
export function qrCaption(mode: string, allowedNetworks: number): string {
  const base =
    mode === "LINKS"
      ? "It opens the bare address, which is private (Links only): send a share link instead."
      : mode === "PASSWORD"
        ? "Scan to open it on a phone; it asks for the tunnel's password."
        : "Scan to open it on a phone.";
  return allowedNetworks > 0 ? `${base} Only allowed networks get in.` : base;
}
