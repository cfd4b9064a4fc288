import http from "node:http";
import { splitLoopback } from "./relay-process.ts";

export interface GetResult {
  status: number;
  body: string;
}

/** One GET to a loopback address with the given Host header, bounded by `timeoutMs`. */
export function httpGet(
  addr: string,
  host: string,
  path: string,
  timeoutMs: number,
  agent?: http.Agent,
): Promise<GetResult> {
  const [hostname, port] = splitLoopback(addr);
  return new Promise((resolve, reject) => {
    const req = http.get({ hostname, port, path, headers: { host }, agent, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        if (body.length < 4096) body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${host}${path}: timed out`)));
    req.on("error", reject);
  });
}
