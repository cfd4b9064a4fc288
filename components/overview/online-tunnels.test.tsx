import assert from "node:assert/strict";
import { test } from "node:test";
import { renderToStaticMarkup } from "react-dom/server";
import { LiveNamesProvider } from "./live-names";
import { OnlineTunnels } from "./online-tunnels";

/** The list as text, tags dropped: what a reader sees. */
function list(randomNamesAllowed: boolean): string {
  const initial = { names: [], maxNames: 5, randomNames: [], sshKeys: 0 };
  return renderToStaticMarkup(
    <LiveNamesProvider initial={initial}>
      <OnlineTunnels randomNamesAllowed={randomNamesAllowed} />
    </LiveNamesProvider>,
  )
    .replace(/<[^>]+>/g, "")
    .replace(/\s+/g, " ");
}

test("a new user is told a key is needed and a name optional when the relay gives random names", () => {
  const text = list(true);
  assert.match(
    text,
    /Add an SSH key, then connect with ssh -R 80:… for a random address, or reserve a name for one that stays yours\./,
  );
  assert.doesNotMatch(text, /Start by/);
});

test("without random names on this relay, the name is asked for as well", () => {
  assert.match(list(false), /Add an SSH key and reserve a name, then connect with ssh -R\./);
});
