import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/auth-card";
import { CredentialsForm } from "@/components/auth/sign-in-form";
import { Alert } from "@/components/ui/alert";
import { ACCOUNT_DISABLED } from "@/lib/users/account-disabled";
import { getDb } from "@/lib/web/db";
import { getEnv } from "@/lib/web/env";
import { safeRedirectPath } from "@/lib/web/safe-redirect";
import { getCurrentUser } from "@/lib/web/session";
import { canSignUp } from "@/lib/web/signup-policy";
import { signInAction } from "../actions";

export const metadata: Metadata = { title: "Sign in" };

export default async function LoginPage({
  searchParams,
}: {
  searchParams: Promise<{
    callbackUrl?: string | string[];
    deleted?: string | string[];
    ended?: string | string[];
  }>;
}) {
  if (await getCurrentUser()) redirect("/");
  const { callbackUrl, deleted, ended } = await searchParams;
  // next-auth passes the full URL it came from; keep only its path on this site.
  const raw = typeof callbackUrl === "string" ? callbackUrl : undefined;
  const path = raw ? safeRedirectPath(raw.replace(/^https?:\/\/[^/]+/, "")) : "/";
  const signUpOpen = await canSignUp(getDb(), getEnv());
  return (
    <AuthCard
      title="Sign in"
      footer={
        signUpOpen ? (
          <>
            New here?{" "}
            <Link href="/signup" className="font-medium text-indigo-700 dark:text-indigo-300 hover:underline">
              Create an account
            </Link>
          </>
        ) : (
          "Accounts are created by an admin on this Burrow."
        )
      }
    >
      {/* Where deleting an account lands (app/(dashboard)/account/actions.ts). */}
      {deleted === "1" && (
        <div className="mb-4">
          <Alert tone="success">Your account was deleted.</Alert>
        </div>
      )}
      {/* Where an action sent from a page whose session had ended lands (lib/web/action.ts). */}
      {ended === "1" && (
        <div className="mb-4">
          <Alert tone="info">Your session has ended. Sign in again to go back to where you were.</Alert>
        </div>
      )}
      {/* A browser still signed in when an admin disabled its account (lib/web/session.ts). */}
      {ended === "disabled" && (
        <div className="mb-4">
          <Alert tone="error">{ACCOUNT_DISABLED}</Alert>
        </div>
      )}
      <CredentialsForm
        action={signInAction}
        submitLabel="Sign in"
        passwordAutoComplete="current-password"
        callbackUrl={path}
      />
      {/* No email goes out from a self-hosted Burrow: a forgotten password is set again by an admin. */}
      <p className="mt-4 text-center text-xs text-zinc-500 dark:text-zinc-400">
        Forgot your password? Ask whoever runs this Burrow: an admin can set a new one for you.
      </p>
    </AuthCard>
  );
}
