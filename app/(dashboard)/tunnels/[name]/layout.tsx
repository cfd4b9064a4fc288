import type { ReactNode } from "react";
import { requireUser } from "@/lib/web/session";
import { getOwnNameOr404 } from "@/lib/web/tunnel-access";

type Props = { children: ReactNode; params: Promise<{ name: string }> };

/**
 * Every page of a name checks it is the user's here, above their loading.tsx files ((tunnel)/ and
 * access/, not one here): a notFound() under a loading boundary comes after the 200 has been sent,
 * here it comes before anything is, so another user's name answers 404 exactly as a name that does
 * not exist. The pages ask again for the details they show (getOwnNameOr404 is cached per request:
 * one query).
 */
export default async function TunnelLayout({ children, params }: Props) {
  const user = await requireUser();
  await getOwnNameOr404(user.id, (await params).name);
  return children;
}
