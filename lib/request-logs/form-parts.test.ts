import assert from "node:assert/strict";
import { test } from "node:test";
import { formParts } from "./form-parts.ts";

/** A form as a browser sends it (undici's FormData encoder): its bytes and Content-Type. */
async function encode(form: FormData): Promise<{ bytes: Buffer; type: string }> {
  const request = new Request("http://app.test/upload", { method: "POST", body: form });
  return { bytes: Buffer.from(await request.arrayBuffer()), type: request.headers.get("content-type")! };
}

function sampleForm(): FormData {
  const form = new FormData();
  form.append("title", "Holiday photos");
  form.append("notes", new File(["date,place\n2026-12-01,Lisboa\n"], "trip.csv", { type: "text/csv" }));
  form.append(
    "photo",
    new File([new Uint8Array(5000).fill(0x89)], "Relevé façade.png", { type: "image/png" }),
  );
  form.append("tag", "sea");
  return form;
}

test("a form with file uploads: fields with their text, files with name, type and size, in order", async () => {
  const { bytes, type } = await encode(sampleForm());
  const parts = await formParts(bytes, type);
  assert.deepEqual(
    parts?.map((p) => [p.name, p.filename, p.contentType, p.size, p.text, p.cut]),
    [
      ["title", null, "text/plain", 14, "Holiday photos", false],
      ["notes", "trip.csv", "text/csv", 29, "date,place\n2026-12-01,Lisboa\n", false],
      ["photo", "Relevé façade.png", "image/png", 5000, null, false],
      ["tag", null, "text/plain", 3, "sea", false],
    ],
  );
});

test("a body the log cut inside a file: the parts before it, and that file marked cut", async () => {
  const { bytes, type } = await encode(sampleForm());
  const photoStart = bytes.indexOf("image/png");
  const parts = await formParts(bytes.subarray(0, photoStart + 1000), type);
  assert.deepEqual(
    parts?.map((p) => [p.name, p.cut]),
    [
      ["title", false],
      ["notes", false],
      ["photo", true],
    ],
  );
  assert.ok(parts![2]!.size < 5000);
});

test("not a multipart body (no boundary, or other bytes): null", async () => {
  assert.equal(await formParts(Buffer.from("a=1"), "multipart/form-data"), null);
  assert.equal(await formParts(Buffer.from("just text"), "multipart/form-data; boundary=xyz"), null);
});
