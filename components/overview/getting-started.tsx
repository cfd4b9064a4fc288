import type { ReactNode } from "react";
import type { BurrowPorts } from "@/lib/web/connect-command";
import { Card, CardBody, CardHeader } from "../ui/card";
import { cn } from "../ui/cn";
import { TextLink } from "../ui/text-link";
import { GetStartedCommand } from "./get-started-command";

function Step({
  number,
  done,
  title,
  children,
}: {
  number: number;
  done: boolean;
  title: string;
  children: ReactNode;
}) {
  return (
    <li className="flex gap-3">
      <span
        aria-hidden
        className={cn(
          "flex size-6 shrink-0 items-center justify-center rounded-full text-xs font-semibold",
          done
            ? "bg-emerald-600 text-white"
            : "bg-zinc-200 dark:bg-zinc-700 text-zinc-700 dark:text-zinc-300",
        )}
      >
        {done ? "✓" : number}
      </span>
      <div className="min-w-0 flex-1 space-y-1.5">
        <h3 className="text-sm font-medium text-zinc-900 dark:text-zinc-100">
          {title}
          {done && (
            <span className="ml-1.5 text-xs font-normal text-emerald-700 dark:text-emerald-300">Done</span>
          )}
        </h3>
        {children}
      </div>
    </li>
  );
}

/**
 * The overview of someone who has not connected a tunnel yet: the three steps from a new account to
 * a link to send, with the exact command for this relay (their first reserved name, else a random
 * one when the relay hands those out).
 */
export function GettingStarted({
  keys,
  firstName,
  randomNamesAllowed,
  sshHost,
  sshPort,
  hostKeyFingerprint,
  burrowPorts,
}: {
  keys: number;
  firstName: string | null;
  /** BURROW_ALLOW_RANDOM_NAMES: `-R 80:…` works without a reserved name. */
  randomNamesAllowed: boolean;
  sshHost: string;
  sshPort: number;
  hostKeyFingerprint: string | null;
  burrowPorts: BurrowPorts;
}) {
  const canShare = firstName !== null || randomNamesAllowed;
  return (
    <Card labelledBy="getting-started">
      <CardHeader
        id="getting-started"
        title="Get started"
        description="From here to a link you can send, in three steps."
      />
      <CardBody>
        <ol className="space-y-5">
          <Step number={1} done={keys > 0} title="Add your SSH public key">
            <p className="text-sm text-zinc-600 dark:text-zinc-400">
              {keys > 0 ? (
                <>
                  {keys === 1 ? "Your key is" : `Your ${keys} keys are`} on{" "}
                  <TextLink href="/keys">SSH keys</TextLink>.
                </>
              ) : (
                <>
                  Paste <code className="font-mono text-xs">~/.ssh/id_ed25519.pub</code> on{" "}
                  <TextLink href="/keys">SSH keys</TextLink> (no key yet?{" "}
                  <code className="font-mono text-xs">ssh-keygen -t ed25519</code> makes one).
                </>
              )}
            </p>
          </Step>
          <Step number={2} done={false} title="Share the app running on your computer">
            {!canShare ? (
              <p className="text-sm text-zinc-600 dark:text-zinc-400">
                First <TextLink href="/names">reserve a name</TextLink>: this relay gives out no random ones.
              </p>
            ) : (
              <>
                <p className="text-sm text-zinc-600 dark:text-zinc-400">
                  Run this where your app runs{keys === 0 && ", once your key is added"}.
                </p>
                <GetStartedCommand target={{ name: firstName, sshHost, sshPort }} burrowPorts={burrowPorts} />
                {firstName === null && (
                  <p className="text-xs text-zinc-500 dark:text-zinc-400">
                    No name needed: it gets a random address.{" "}
                    <TextLink href="/names">Reserve a name</TextLink> for one that stays yours.
                  </p>
                )}
                {hostKeyFingerprint && (
                  <p className="text-xs text-zinc-500 dark:text-zinc-400">
                    The first time, ssh asks you to confirm the relay&apos;s host key: answer yes if it shows{" "}
                    <code className="font-mono break-all text-zinc-800 dark:text-zinc-200">
                      {hostKeyFingerprint}
                    </code>
                    .
                  </p>
                )}
              </>
            )}
          </Step>
          <Step number={3} done={false} title="Send the address ssh prints">
            <p className="text-sm text-zinc-600 dark:text-zinc-400">
              Your tunnel then shows here under Online now, with every request in its log. Protect it with a
              password or share links from its page.
            </p>
          </Step>
        </ol>
      </CardBody>
    </Card>
  );
}
