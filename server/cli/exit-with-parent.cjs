// Preloaded (`node --require`) into the dashboard's Next.js process by `burrow start`
// (server/cli/dashboard.ts). When Burrow's own process is gone without stopping it, killed by
// SIGKILL or the OOM killer so that no exit handler ran, Next would live on: serving without a
// relay, still connected to a database being stopped, and holding the dashboard's port so that the
// next `npm start` cannot use it. The dead parent shows as a new parent process id.
const { isMainThread } = require("node:worker_threads");

if (isMainThread) {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    // SIGTERM: Next's own shutdown closes its server; exit regardless if that hangs.
    process.kill(process.pid, "SIGTERM");
    setTimeout(() => process.exit(1), 10_000).unref();
  }, 1_000);
  watch.unref();
}
