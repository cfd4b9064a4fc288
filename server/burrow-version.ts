// Compiled in (esbuild and tsx inline the JSON): a relay that runs for weeks reports the version it
// was started from, not the package.json a later `git pull` left on disk.
import { version } from "../package.json";

/** The version of Burrow this process runs (package.json's `version`). */
export const BURROW_VERSION: string = version;
