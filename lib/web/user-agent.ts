import Bowser from "bowser";
import { truncate } from "./format.ts";

/**
 * A signed-in browser as people recognise it: "Chrome 156 on Linux". Parsed with bowser; a
 * User-Agent it does not know is shown shortened as it is (it is data: the page escapes it).
 */
export function describeUserAgent(userAgent: string | null): string {
  if (!userAgent) return "Unknown browser";
  const { browser, os } = Bowser.parse(userAgent);
  if (!browser.name) return truncate(userAgent, 60);
  const major = browser.version?.split(".")[0];
  const name = major ? `${browser.name} ${major}` : browser.name;
  return os.name ? `${name} on ${os.name}` : name;
}

/**
 * The User-Agent as sent, for a line under its description; null when the description already is
 * all of it (an agent bowser does not know, e.g. curl/8.5.0, would otherwise show twice).
 */
export function userAgentInFull(userAgent: string | null): string | null {
  return userAgent && describeUserAgent(userAgent) !== userAgent ? userAgent : null;
}
