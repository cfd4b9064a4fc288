"use client";

import { usePathname } from "next/navigation";
import { ACCOUNT_DISABLED } from "@/lib/users/account-disabled";
import { signInAgainHref } from "@/lib/web/sign-in-again";
import { useSessionEndedReason } from "../hooks/use-session-ended";
import { Alert } from "../ui/alert";
import { TextLink } from "../ui/text-link";

/**
 * "Your session has ended — Sign in again", once a live view or a check got 401. Fixed to the bottom
 * of the window so it is seen wherever the page is scrolled; the link comes back to this page. An
 * account an admin disabled is told that instead, with no link: signing in would be refused.
 */
export function SessionEndedNotice() {
  const ended = useSessionEndedReason();
  // Re-rendered on client navigation; the query is read from the address bar, which is only ever
  // needed in the browser (the notice never renders on the server), so no useSearchParams Suspense.
  usePathname();
  if (!ended) return null;
  const here = `${window.location.pathname}${window.location.search}`;
  return (
    <div className="fixed inset-x-0 bottom-4 z-50 flex justify-center px-4">
      <Alert tone="error" className="shadow-lg">
        {ended === "disabled" ? (
          ACCOUNT_DISABLED
        ) : (
          <>
            Your session has ended —{" "}
            <TextLink href={signInAgainHref(here)} prefetch={false}>
              Sign in again
            </TextLink>
          </>
        )}
      </Alert>
    </div>
  );
}
