import type { Metadata } from "next";
import { AccessModeForm } from "@/components/sharing/access-mode-form";
import { AllowedAddressesForm } from "@/components/sharing/allowed-addresses-form";
import { AppHostForm } from "@/components/sharing/app-host-form";
import { CreateShareLinkForm } from "@/components/sharing/create-share-link-form";
import { RefreshShareLinks } from "@/components/sharing/refresh-share-links";
import { ShareLinkList, type ShareLinkRow } from "@/components/sharing/share-link-list";
import { Alert } from "@/components/ui/alert";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { TextLink } from "@/components/ui/text-link";
import { tunnelUrl } from "@/lib/env";
import { getAccessSettings, listShareLinks, shareLinkProblem } from "@/lib/sharing/service";
import { getDb } from "@/lib/web/db";
import { getEnv } from "@/lib/web/env";
import { getCurrentUser, requireUser } from "@/lib/web/session";
import { getOwnNameOr404, tunnelNameForTitle } from "@/lib/web/tunnel-access";
import {
  createShareLinkAction,
  removeShareLinksAction,
  revokeShareLinkAction,
  setAccessModeAction,
  setAllowedAddressesAction,
  setAppHostAction,
} from "./actions";

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const name = await tunnelNameForTitle((await params).name, (await getCurrentUser())?.id);
  return { title: name === null ? "Not found" : `Access · ${name}` };
}

export default async function TunnelAccessPage({ params }: Props) {
  const user = await requireUser();
  // A random name never gets here: access/layout.tsx sends it to the name's page.
  const detail = await getOwnNameOr404(user.id, (await params).name);
  const db = getDb();
  const [settings, links] = await Promise.all([
    getAccessSettings(db, user.id, detail.name),
    listShareLinks(db, user.id, detail.name),
  ]);
  const url = tunnelUrl(getEnv(), detail.name);
  const now = new Date();
  const rows: ShareLinkRow[] = links.map((link) => ({
    id: link.id,
    label: link.label,
    createdAt: link.createdAt.toISOString(),
    expiresAt: link.expiresAt?.toISOString() ?? null,
    uses: link.uses,
    maxUses: link.maxUses,
    lastUsedAt: link.lastUsedAt?.toISOString() ?? null,
    status: shareLinkProblem(link, now) ?? "active",
  }));

  return (
    <>
      <PageHeader
        title={`Access to ${detail.name}`}
        description={
          <>
            Who may open <span className="font-medium text-zinc-800 dark:text-zinc-200">{url}</span>.{" "}
            <TextLink href={`/tunnels/${encodeURIComponent(detail.name)}`}>Back to the tunnel</TextLink>
          </>
        }
      />
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-5">
        <div className="space-y-6 lg:col-span-2">
          <Card>
            <CardHeader title="Access mode" description="Changes apply to visitors within seconds." />
            <CardBody>
              <AccessModeForm action={setAccessModeAction} name={detail.name} initial={settings} />
            </CardBody>
          </Card>
          <Card>
            <CardHeader
              title="Allowed networks"
              description="Only visitors from these addresses get as far as the access mode above; everyone else gets a 403 page. Checked behind trusted proxies too (BURROW_TRUSTED_PROXIES)."
            />
            <CardBody>
              <AllowedAddressesForm
                action={setAllowedAddressesAction}
                name={detail.name}
                initial={settings.allowedAddresses}
              />
            </CardBody>
          </Card>
          <Card>
            <CardHeader
              title="Your app"
              description="If your Vite dev server answers 'Blocked request' through the tunnel, send it localhost. Other dev servers (webpack, Django, Rails) also check the Origin or X-Forwarded-Host: allow the tunnel's host in their settings instead."
            />
            <CardBody>
              <AppHostForm
                action={setAppHostAction}
                name={detail.name}
                host={new URL(url).host}
                initial={settings.appHost}
              />
            </CardBody>
          </Card>
        </div>
        <Card className="lg:col-span-3">
          <CardHeader
            title="Share links"
            description="A link lets someone in without the password, until it expires or you revoke it. It works in password and links-only modes."
          />
          <CardBody className="space-y-6">
            {settings.mode === "PUBLIC" && (
              // Links can still be made ahead of switching modes, but they change nothing yet.
              <Alert tone="warning">
                This address is public: anyone can open it without a link. Links matter in Password and
                Links-only modes.
              </Alert>
            )}
            {settings.mode === "LINKS" && !rows.some((row) => row.status === "active") && (
              // Links only with no link that works: the address opens for nobody, which is easy to miss.
              <Alert tone="warning">
                Nobody can open this address now: it is Links only and no share link works. Create one below.
              </Alert>
            )}
            <CreateShareLinkForm action={createShareLinkAction} name={detail.name} baseUrl={url} />
            <RefreshShareLinks />
            <ShareLinkList
              name={detail.name}
              links={rows}
              revokeAction={revokeShareLinkAction}
              removeAction={removeShareLinksAction}
            />
          </CardBody>
        </Card>
      </div>
    </>
  );
}
