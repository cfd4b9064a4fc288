import assert from "node:assert/strict";
import { test } from "node:test";
import { renderToStaticMarkup } from "react-dom/server";
import type { NameRow, NamesSnapshot, RandomNameRow } from "@/lib/web/names-dto";
import { GettingStarted } from "./getting-started";
import { LiveGettingStarted } from "./live-getting-started";
import { LiveNamesProvider } from "./live-names";

const base = {
  keys: 1,
  sshHost: "relay.example.com",
  sshPort: 2222,
  hostKeyFingerprint: null,
  burrowPorts: { dashboard: 3000, http: 8080, ssh: 2222 },
};

/** The card as text, tags dropped: what a reader sees. */
function card(props: {
  firstName: string | null;
  randomNamesAllowed: boolean;
  sshHost?: string;
  burrowPorts?: typeof base.burrowPorts;
}): string {
  return renderToStaticMarkup(<GettingStarted {...base} {...props} />)
    .replace(/<[^>]+>/g, " ")
    .replace(/&#x27;|&apos;/g, "'")
    .replace(/\s+/g, " ");
}

test("with no name and no random names on this relay, step 2 asks to reserve a name and shows no command", () => {
  const text = card({ firstName: null, randomNamesAllowed: false });
  assert.match(text, /First reserve a name : this relay gives out no random ones\./);
  assert.doesNotMatch(text, /ssh -R/);
});

test("with a reserved name the command uses it, whether or not random names are on", () => {
  for (const randomNamesAllowed of [false, true]) {
    const text = card({ firstName: "myapp", randomNamesAllowed });
    assert.match(text, /ssh -R myapp:80:localhost:8000 -p 2222 relay\.example\.com/);
    assert.doesNotMatch(text, /random address/);
  }
});

test("with no name but random names on, the command asks for a random one and says a name is optional", () => {
  const text = card({ firstName: null, randomNamesAllowed: true });
  assert.match(text, /ssh -R 80:localhost:8000 -p 2222 relay\.example\.com/);
  assert.match(text, /No name needed: it gets a random address\. Reserve a name for one that stays yours\./);
});

test("the command comes with a Local port field, starting at 8000, never at the dashboard's own port", () => {
  const markup = renderToStaticMarkup(<GettingStarted {...base} firstName="myapp" randomNamesAllowed />);
  assert.match(markup, /<label[^>]*>Local port<\/label><input[^>]*value="8000"/);
  for (const sshHost of ["relay.example.com", "localhost"]) {
    const text = card({ firstName: "myapp", randomNamesAllowed: true, sshHost });
    assert.match(text, new RegExp(`ssh -R myapp:80:localhost:8000 -p 2222 ${sshHost}`));
  }
  const text = card({
    firstName: "myapp",
    randomNamesAllowed: true,
    burrowPorts: { ...base.burrowPorts, dashboard: 8000 },
  });
  assert.match(text, /ssh -R myapp:80:localhost:8001 -p 2222 relay\.example\.com/);
});

/** LiveGettingStarted as the overview's poll last answered: keys, names, tunnels. */
function liveCard(snapshot: Partial<NamesSnapshot>, connectedBefore = false): string {
  const { keys: _keys, ...props } = base;
  return renderToStaticMarkup(
    <LiveNamesProvider initial={{ names: [], maxNames: 5, randomNames: [], sshKeys: 0, ...snapshot }}>
      <LiveGettingStarted {...props} connectedBefore={connectedBefore} randomNamesAllowed />
    </LiveNamesProvider>,
  )
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

const reserved: NameRow = {
  name: "myapp",
  online: false,
  lastSeenAt: null,
  requests24h: 0,
  errors24h: 0,
  accessMode: "public",
  allowedNetworks: 0,
  session: null,
};

test("the live card ticks the key and uses the name from the overview's poll, not from the page's load", () => {
  assert.match(liveCard({}), /Add your SSH public key Paste/);
  const text = liveCard({ sshKeys: 1, names: [reserved] });
  assert.match(text, /Add your SSH public key Done Your key is on SSH keys/);
  assert.match(text, /ssh -R myapp:80:localhost:8000 -p 2222 relay\.example\.com/);
});

test("the live card goes once the poll shows a tunnel: up, seen before, or a random name kept", () => {
  const random: RandomNameRow = { ...reserved, name: "quiet-fox", keptUntil: null };
  for (const snapshot of [
    { names: [{ ...reserved, online: true }] },
    { names: [{ ...reserved, lastSeenAt: "2026-01-01T00:00:00.000Z" }] },
    { randomNames: [random] },
  ]) {
    assert.equal(liveCard({ sshKeys: 1, ...snapshot }), "");
  }
  assert.equal(liveCard({ sshKeys: 1 }, true), "");
});
