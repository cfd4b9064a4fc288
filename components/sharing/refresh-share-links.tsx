"use client";

import { useRouter } from "next/navigation";
import { useVisibleInterval } from "../hooks/use-visible-interval";

/** As often as the dashboard's other live views poll. */
const EVERY_MS = 5_000;

/**
 * Renders the access page again every few seconds while it is in view: the share links' uses, last
 * use and status change as visitors open them (a limited link handed to a group is used up while
 * its owner watches), and a list as it was loaded would show a link as Active with a Revoke button
 * long after it stopped working. Forms and open dialogs keep what was typed: a refresh only
 * re-renders the server's part of the page.
 */
export function RefreshShareLinks() {
  const router = useRouter();
  useVisibleInterval(async () => router.refresh(), EVERY_MS);
  return null;
}
