import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { requireUser } from "@/lib/web/session";
import { getOwnNameOr404 } from "@/lib/web/tunnel-access";

type Props = { children: ReactNode; params: Promise<{ name: string }> };

/**
 * A random name has no settings to change: its page says how to keep it and get them. Sent there
 * from here, above access/loading.tsx, so the answer is a 307 with a Location; from the page, under
 * the loading boundary, it was a 200 whose HTML moved the browser on a second later (a meta refresh
 * curl and link checkers do not follow).
 */
export default async function TunnelAccessLayout({ children, params }: Props) {
  const user = await requireUser();
  const detail = await getOwnNameOr404(user.id, (await params).name);
  if (detail.random) redirect(`/tunnels/${encodeURIComponent(detail.name)}`);
  return children;
}
