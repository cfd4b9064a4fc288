import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/auth-card";
import { CredentialsForm } from "@/components/auth/sign-in-form";
import { Alert } from "@/components/ui/alert";
import { PASSWORD_MIN_LENGTH } from "@/lib/users/schemas";
import { getDb } from "@/lib/web/db";
import { getEnv } from "@/lib/web/env";
import { getCurrentUser } from "@/lib/web/session";
import { canSignUp } from "@/lib/web/signup-policy";
import { signUpAction } from "../actions";

export const metadata: Metadata = { title: "Create an account" };

export default async function SignUpPage() {
  if (await getCurrentUser()) redirect("/");
  const db = getDb();
  const open = await canSignUp(db, getEnv());
  const first = open && (await db.user.count()) === 0;
  return (
    <AuthCard
      title="Create an account"
      footer={
        <>
          Already have an account?{" "}
          <Link href="/login" className="font-medium text-indigo-700 dark:text-indigo-300 hover:underline">
            Sign in
          </Link>
        </>
      }
    >
      {open ? (
        <>
          {first && (
            <Alert tone="info" className="mb-4">
              This is the first account on this Burrow: it becomes the admin.
            </Alert>
          )}
          <CredentialsForm
            action={signUpAction}
            submitLabel="Create account"
            passwordAutoComplete="new-password"
            passwordHint={`At least ${PASSWORD_MIN_LENGTH} characters. A passphrase is great.`}
          />
        </>
      ) : (
        <Alert tone="info">
          Sign-up is closed on this Burrow. Ask an admin to create an account for you.
        </Alert>
      )}
    </AuthCard>
  );
}
