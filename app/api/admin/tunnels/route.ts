import { AppError } from "@/lib/errors";
import { listLiveTunnels } from "@/lib/web/admin";
import { apiHandler } from "@/lib/web/api";
import { getDb } from "@/lib/web/db";

/** Live tunnels for the admin page's polling; everyone else gets a 404 like the page. */
export function GET() {
  return apiHandler(async (user) => {
    if (user.role !== "ADMIN") throw new AppError("not_found", "Not found");
    return listLiveTunnels(getDb());
  });
}
