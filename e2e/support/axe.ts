import { AxeBuilder } from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

/** WCAG 2.1 A and AA, as far as axe-core checks them automatically (contrast, names, labels, structure). */
const WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/**
 * The page as it is now has no axe violations, light and dark (the dashboard and the relay's pages
 * follow the system's colour scheme, and each has its own contrast to get right); each one is
 * listed by scheme, rule and where it was found.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    // Buttons fade between colours: contrast is read once they have arrived (pulsing dots go on).
    // A fade cut short (its element re-rendered by a live view) rejects `finished`: it is over too.
    await page.evaluate(() =>
      Promise.all(
        document
          .getAnimations()
          .flatMap((a) => (a instanceof CSSTransition ? [a.finished.catch(() => undefined)] : [])),
      ),
    );
    const result = await new AxeBuilder({ page }).withTags(WCAG).analyze();
    const found = result.violations.map(
      (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`,
    );
    expect(found, `axe on ${what} (${colorScheme})`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: null });
}
