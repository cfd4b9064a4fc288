import assert from "node:assert/strict";
import { test } from "node:test";
import { addressNotAllowedPage, passwordPage, shareConfirmPage, signedOutPage } from "./pages.ts";

const text = (page: { body: Buffer }) => page.body.toString("utf8");

test("the password and shared-address pages name the address they are for, escaped", () => {
  const host = `my<app>".example.com`;
  for (const page of [
    passwordPage({ status: 401, next: "/", formToken: "t", host }),
    shareConfirmPage({ token: "tok", next: "/", usesLeft: null, host, confirmation: "c" }),
  ]) {
    assert.match(text(page), /<p class="address">my&lt;app&gt;&quot;\.example\.com<\/p>/);
    assert.doesNotMatch(text(page), /my<app>/);
  }
  assert.doesNotMatch(text(passwordPage({ status: 401, next: "/", formToken: "t" })), /class="address"/);
});

test("a link nobody opened yet says how often it opens; an opened one how often more", () => {
  const sentence = (usesLeft: number | null, uses?: number) =>
    /Someone shared this address with you\.([^<]*)<\/p>/.exec(
      text(
        shareConfirmPage({
          token: "t",
          next: "/",
          usesLeft,
          confirmation: "c",
          ...(uses === undefined ? {} : { uses }),
        }),
      ),
    )?.[1];
  assert.equal(sentence(3, 0), " This link can be opened 3 times.");
  assert.equal(sentence(1, 0), " This link can be opened once.");
  assert.equal(sentence(2, 1), " This link can be opened 2 more times.");
  assert.equal(sentence(1, 4), " This link can be opened once more.");
  assert.equal(sentence(null, 7), "", "no limit, nothing to count");
});

test("the signed-out page promises no password or link on a name that asks for neither", () => {
  const html = text(signedOutPage("burrow_access=; Max-Age=0"));
  assert.match(html, /This browser is signed out of this address\./);
  assert.match(
    html,
    /If the address asks for a password or a share link, the next visit asks for it again\./,
  );
});

test("'Not open to your network' shows the visitor's own address, escaped", () => {
  const page = addressNotAllowedPage("203.0.113.7");
  assert.equal(page.status, 403);
  assert.match(text(page), /Your address: <strong>203\.0\.113\.7<\/strong>/);
  assert.match(text(addressNotAllowedPage("<x>")), /Your address: <strong>&lt;x&gt;<\/strong>/);
});
