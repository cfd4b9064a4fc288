// `npm start` and `npm run burrow -- …`: builds the CLI (scripts/build-server.mjs) and runs it in
// this process with the same arguments, on plain Node.
import { pathToFileURL } from "node:url";
import { buildServer } from "./build-server.mjs";

await import(pathToFileURL(await buildServer()).href);
