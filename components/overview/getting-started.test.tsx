import assert from "node:assert/strict";
import { test } from "node:test";
import { renderToStaticMarkup } from "react-dom/server";
import { GettingStarted } from "./getting-started";

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
