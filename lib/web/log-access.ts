// Pure: what the request log's Access column says for a row.
import type { Admission } from "../db.ts";
import type { AccessPage } from "../request-logs/row.ts";

const ADMISSION: Record<Admission, string> = {
  PUBLIC: "Public",
  PASSWORD: "Password",
  SHARE_LINK: "Share link",
  DENIED: "Denied",
};

/**
 * The relay's own access pages, as the owner reads them. `refused` marks the answers that kept a
 * visitor out for a reason they may need help with (a wrong password, a dead link); the others
 * are steps of getting in (asked for the password, confirming a link) or of leaving.
 */
const PAGES: Record<AccessPage, { label: string; refused: boolean }> = {
  password_asked: { label: "Password asked", refused: false },
  password_wrong: { label: "Wrong password", refused: true },
  form_expired: { label: "Form expired", refused: false },
  too_many_attempts: { label: "Too many attempts", refused: true },
  signed_in: { label: "Signed in", refused: false },
  link_confirm: { label: "Link confirmation", refused: false },
  link_opened: { label: "Link opened", refused: false },
  link_unknown: { label: "Unknown link", refused: true },
  link_revoked: { label: "Revoked link", refused: true },
  link_expired: { label: "Expired link", refused: true },
  link_used_up: { label: "Used-up link", refused: true },
  links_only: { label: "Link required", refused: true },
  signed_out: { label: "Signed out", refused: false },
  form_rejected: { label: "Form refused", refused: true },
  now_public: { label: "Public", refused: false },
  not_found: { label: "Not found", refused: true },
};

export interface AccessCell {
  label: string;
  /** Answered by the relay instead of the app. */
  byRelay: boolean;
  /** Shown as a refusal. */
  refused: boolean;
}

/**
 * The Access column: how the visitor got in, or which of Burrow's pages answered instead of the
 * app. A page name this dashboard does not know (written by a newer relay) falls back to the
 * admission.
 */
export function accessCell(admission: Admission, accessPage: string | null): AccessCell {
  const page =
    accessPage !== null && Object.hasOwn(PAGES, accessPage) ? PAGES[accessPage as AccessPage] : null;
  if (page) return { label: page.label, byRelay: true, refused: page.refused };
  return { label: ADMISSION[admission], byRelay: accessPage !== null, refused: admission === "DENIED" };
}
