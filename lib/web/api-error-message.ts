/**
 * What the dashboard's API said when it refused (`{ error: { code, message } }`, lib/web/api.ts),
 * for the browser to show; null when the answer is not one of those (a proxy's error page).
 */
export async function apiErrorMessage(response: Response): Promise<string | null> {
  try {
    const body = (await response.json()) as { error?: { message?: unknown } };
    return typeof body.error?.message === "string" ? body.error.message : null;
  } catch {
    return null;
  }
}
