import type { ReactNode } from "react";
import { AppShell } from "@/components/shell/app-shell";
import { requireUser } from "@/lib/web/session";
import { signOutAction } from "../(auth)/actions";

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const user = await requireUser();
  return (
    <AppShell email={user.email} isAdmin={user.role === "ADMIN"} signOut={signOutAction}>
      {children}
    </AppShell>
  );
}
