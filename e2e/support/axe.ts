import { AxeBuilder } from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

/** WCAG 2.1 A and AA, as far as axe-core checks them automatically (contrast, names, labels, structure). */
const WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/** The page as it is now has no axe violations; each one is listed by rule and where it was found. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(WCAG).analyze();
  const found = result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
  );
  expect(found, `axe on ${what}`).toEqual([]);
}
