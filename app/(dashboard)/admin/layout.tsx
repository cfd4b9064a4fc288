import type { ReactNode } from "react";
import { NavLinks } from "@/components/shell/nav-links";
import { requireAdmin } from "@/lib/web/session";

export default async function AdminLayout({ children }: { children: ReactNode }) {
  await requireAdmin();
  return (
    <div>
      <nav aria-label="Admin" className="mb-6 border-b border-zinc-200 dark:border-zinc-800 pb-3">
        <NavLinks
          items={[
            { href: "/admin", label: "Relay & tunnels", exact: true },
            { href: "/admin/users", label: "Users" },
            { href: "/admin/names", label: "All names" },
          ]}
        />
      </nav>
      {children}
    </div>
  );
}
