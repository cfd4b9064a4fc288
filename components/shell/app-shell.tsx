import Link from "next/link";
import type { ReactNode } from "react";
import { SessionEndedNotice } from "../session/session-ended-notice";
import { Logo } from "./logo";
import { type NavItem, NavLinks } from "./nav-links";

export function AppShell({
  email,
  isAdmin,
  signOut,
  children,
}: {
  email: string;
  isAdmin: boolean;
  signOut: () => Promise<void>;
  children: ReactNode;
}) {
  const items: NavItem[] = [
    { href: "/", label: "Overview" },
    { href: "/names", label: "Names" },
    { href: "/keys", label: "SSH keys" },
    ...(isAdmin ? [{ href: "/admin", label: "Admin" }] : []),
  ];
  return (
    <div className="min-h-dvh">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:top-2 focus:left-2 focus:rounded focus:bg-white focus:px-3 focus:py-2 focus:text-zinc-900 dark:focus:bg-zinc-800 dark:focus:text-zinc-100"
      >
        Skip to content
      </a>
      <header className="border-b border-zinc-200 dark:border-zinc-800 bg-white dark:bg-zinc-900">
        <nav
          aria-label="Main"
          className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-x-6 gap-y-2 px-4 py-3 sm:px-6"
        >
          <div className="flex flex-wrap items-center gap-x-6 gap-y-2">
            <Link href="/" aria-label="Burrow overview">
              <Logo />
            </Link>
            <NavLinks items={items} />
          </div>
          {/* min-w-0: the email gives way (it is cut short, in full in its title) when the text is
              large on a phone; the box was as wide as the whole email and pushed Sign out off screen. */}
          <div className="flex min-w-0 items-center gap-3 text-sm text-zinc-600 dark:text-zinc-400">
            <Link
              href="/account"
              className="max-w-48 min-w-0 truncate rounded-md px-2.5 py-1.5 hover:bg-zinc-100 dark:hover:bg-zinc-800"
              title={`${email}: account and password`}
            >
              {email}
            </Link>
            <form action={signOut}>
              <button
                type="submit"
                className="rounded-md px-2.5 py-1.5 font-medium text-zinc-700 dark:text-zinc-300 hover:bg-zinc-100 dark:hover:bg-zinc-800"
              >
                Sign out
              </button>
            </form>
          </div>
        </nav>
      </header>
      <main id="main" className="mx-auto max-w-6xl px-4 py-8 sm:px-6">
        {children}
      </main>
      <SessionEndedNotice />
    </div>
  );
}
