import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { capLogPath } from "../request-logs/row.ts";
import { curlCommand, shellQuote } from "./curl-command.ts";

test("a GET becomes curl with the public URL and the kept headers; curl's own are left to curl", () => {
  const replay = curlCommand("https://app.example.com", "GET", "/search?q=a&b=1", [
    ["Host", "app.example.com"],
    ["Connection", "keep-alive"],
    ["Accept", "text/html"],
    ["Accept-Encoding", "gzip, br"],
    ["Cookie", null],
    ["X-Api-Key", null],
  ]);
  assert.equal(
    replay.command,
    "curl 'https://app.example.com/search?q=a&b=1' -H 'Accept: text/html' --compressed",
  );
  assert.deepEqual(replay.hidden, ["Cookie", "X-Api-Key"]);
});

test("other methods are named, HEAD asks for headers only", () => {
  assert.equal(
    curlCommand("http://a.test:8080/", "DELETE", "/x", []).command,
    "curl -X 'DELETE' 'http://a.test:8080/x'",
  );
  assert.equal(curlCommand("http://a.test", "HEAD", "/", []).command, "curl --head 'http://a.test/'");
});

test("quotes, spaces and shell syntax in paths and headers reach curl as they were", () => {
  const hostile = `'; rm -rf ~; echo '$(id) \`id\``;
  assert.equal(execFileSync("sh", ["-c", `printf %s ${shellQuote(hostile)}`]).toString(), hostile);
  const { command } = curlCommand("http://a.test", "GET", `/it's`, [["X-Note", hostile]]);
  // The shell hands curl exactly these words (printed one per line instead of run).
  const words = execFileSync("sh", ["-c", `printf '%s\\n' ${(command ?? "").slice("curl ".length)}`])
    .toString()
    .split("\n");
  assert.deepEqual(words.slice(0, 3), ["http://a.test/it's", "-H", `X-Note: ${hostile}`]);
});

test("the note of a cut header list is not sent as a header", () => {
  const { command } = curlCommand("http://a.test", "GET", "/", [["…", "3 more headers not kept"]]);
  assert.equal(command, "curl 'http://a.test/'");
});

test("a body the log kept whole goes along as --data-raw, with its method and type", () => {
  const body = `{"note":"it's $(id)"}`;
  const { command } = curlCommand(
    "https://app.example.com",
    "PUT",
    "/api/items/1",
    [
      ["Content-Type", "application/json"],
      ["Content-Length", "21"],
    ],
    body,
  );
  const words = execFileSync("sh", ["-c", `printf '%s\\n' ${(command ?? "").slice("curl ".length)}`])
    .toString()
    .split("\n");
  assert.deepEqual(words.slice(0, 7), [
    "-X",
    "PUT",
    "https://app.example.com/api/items/1",
    "-H",
    "Content-Type: application/json",
    "--data-raw",
    body,
  ]);
});

test("a GET whose kept body is empty is sent without one; a POST's empty body stays", () => {
  const get = curlCommand("http://a.test", "GET", "/json?proof=1", [["Accept", "*/*"]], "");
  assert.equal(get.command, "curl 'http://a.test/json?proof=1' -H 'Accept: */*'");
  const post = curlCommand("http://a.test", "POST", "/ping", [], "");
  assert.equal(post.command, "curl -X 'POST' 'http://a.test/ping' --data-raw ''");
});

test("a GET with a body stays a GET", () => {
  assert.equal(
    curlCommand("http://a.test", "GET", "/search", [], "q=1").command,
    "curl -X 'GET' 'http://a.test/search' --data-raw 'q=1'",
  );
});

test("a path the log cut gives no command, and says why, instead of asking for another URL", () => {
  const cut = capLogPath(`/search?q=a&x=${"x".repeat(3000)}`);
  const replay = curlCommand("http://a.test", "GET", cut, [["Cookie", null]]);
  assert.equal(replay.command, null);
  assert.match(replay.refused ?? "", /^the log kept only the first 2048 characters of its path/);
  assert.deepEqual(replay.hidden, ["Cookie"]);
  // An ellipsis the visitor sent is part of the path, not a cut.
  assert.equal(curlCommand("http://a.test", "GET", "/more…", []).command, "curl 'http://a.test/more…'");
});

test("header values are written as the details show them, and the shell sends the visitor's bytes", () => {
  // As the log stores them: one Latin-1 character a byte.
  const utf8 = Buffer.from("café", "utf8").toString("latin1");
  const notUtf8 = Buffer.from([0x69, 0x74, 0x27, 0x73, 0x20, 0x5c, 0x20, 0x63, 0x61, 0x66, 0xe9]).toString(
    "latin1",
  );
  const { command } = curlCommand("http://a.test", "GET", "/", [
    ["X-Name", utf8],
    ["X-Old", notUtf8],
  ]);
  // Readable as text; a byte that is not UTF-8 in bash's $'…', as \xE9 (what the details show).
  assert.equal(command, `curl 'http://a.test/' -H 'X-Name: café' -H $'X-Old: it\\'s \\\\ caf\\xE9'`);
  // Pasted into a UTF-8 terminal (the shell gets it as UTF-8): curl gets the bytes the visitor sent.
  const words = execFileSync("bash", ["-c", `printf '%s\\n' ${(command ?? "").slice("curl ".length)}`]);
  assert.deepEqual(
    words,
    Buffer.concat([
      Buffer.from("http://a.test/\n-H\nX-Name: "),
      Buffer.from(utf8, "latin1"),
      Buffer.from("\n-H\nX-Old: "),
      Buffer.from(notUtf8, "latin1"),
      Buffer.from("\n"),
    ]),
  );
});
