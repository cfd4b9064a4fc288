"use client";

import { useRouter } from "next/navigation";
import { useVisibleInterval } from "../hooks/use-visible-interval";

/** As often as the dashboard's other live views poll. */
const EVERY_MS = 5_000;

/**
 * Renders the access page again every few seconds while it is in view: the share links' uses, last
 * use and status change as visitors open them (a limited link handed to a group is used up while
 * its owner watches), and a list as it was loaded would show a link as Active with a Revoke button
 * long after it stopped working. Forms keep what was typed: a refresh only re-renders the server's
 * part of the page. Not while a confirmation is open: the link it asks about would change under it
 * (a Revoke dialog turning into Remove as the link is used up), and the page catches up after.
 */
export function RefreshShareLinks() {
  const router = useRouter();
  useVisibleInterval(async () => {
    if (!document.querySelector("dialog[open]")) router.refresh();
  }, EVERY_MS);
  return null;
}
