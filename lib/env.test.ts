import assert from "node:assert/strict";
import { networkInterfaces } from "node:os";
import { test } from "node:test";
import { loadEnv, publicEndpoint, publicHttpsPort, tunnelUrl } from "./env.ts";

test("BURROW_SSH_CIPHERS: AES-GCM by default, a list to widen it, a clear error for anything unsafe", () => {
  assert.deepEqual(loadEnv({}).BURROW_SSH_CIPHERS, ["aes128-gcm@openssh.com", "aes256-gcm@openssh.com"]);
  assert.deepEqual(loadEnv({ BURROW_SSH_CIPHERS: "" }).BURROW_SSH_CIPHERS, loadEnv({}).BURROW_SSH_CIPHERS);
  assert.deepEqual(
    loadEnv({ BURROW_SSH_CIPHERS: "aes128-gcm@openssh.com, chacha20-poly1305@openssh.com" })
      .BURROW_SSH_CIPHERS,
    ["aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com"],
  );
  assert.throws(
    () => loadEnv({ BURROW_SSH_CIPHERS: "aes128-gcm@openssh.com,3des-cbc" }),
    /BURROW_SSH_CIPHERS names an unknown or unsafe cipher \(3des-cbc\): use a comma-separated list of aes128-gcm@openssh\.com/,
  );
  assert.throws(() => loadEnv({ BURROW_SSH_CIPHERS: " , " }), /BURROW_SSH_CIPHERS is empty/);
});

test("BURROW_TRUSTED_PROXIES: nobody by default, a list of addresses, ranges and groups, a clear error otherwise", () => {
  assert.deepEqual(loadEnv({}).BURROW_TRUSTED_PROXIES, []);
  assert.deepEqual(loadEnv({ BURROW_TRUSTED_PROXIES: "loopback, 10.0.0.0/8" }).BURROW_TRUSTED_PROXIES, [
    "loopback",
    "10.0.0.0/8",
  ]);
  assert.throws(
    () => loadEnv({ BURROW_TRUSTED_PROXIES: "127.0.0.1,nginx" }),
    /BURROW_TRUSTED_PROXIES has "nginx", which is not an address, a range such as 10\.0\.0\.0\/8, or one of loopback, private/,
  );
  // A slip that would trust a whole network: refused, naming the network and the one address.
  assert.throws(
    () => loadEnv({ BURROW_TRUSTED_PROXIES: "loopback, 10.0.0.1/8, 2001:db8::1/32" }),
    /BURROW_TRUSTED_PROXIES has a range with host bits set: "10\.0\.0\.1\/8" \(did you mean 10\.0\.0\.0\/8, or 10\.0\.0\.1 alone\?\), "2001:db8::1\/32" \(did you mean 2001:db8::\/32, or 2001:db8::1 alone\?\)/,
  );
});

test("BURROW_PROXY_PROTOCOL: off by default, a list of listeners that needs trusted proxies, a clear error otherwise", () => {
  assert.deepEqual(loadEnv({}).BURROW_PROXY_PROTOCOL, []);
  assert.deepEqual(
    loadEnv({ BURROW_PROXY_PROTOCOL: "SSH, http,ssh", BURROW_TRUSTED_PROXIES: "10.0.0.5" })
      .BURROW_PROXY_PROTOCOL,
    ["ssh", "http"],
  );
  assert.throws(
    () => loadEnv({ BURROW_PROXY_PROTOCOL: "ssh,smtp", BURROW_TRUSTED_PROXIES: "10.0.0.5" }),
    /BURROW_PROXY_PROTOCOL has "smtp": use a comma-separated list of ssh, http, https/,
  );
  assert.throws(
    () => loadEnv({ BURROW_PROXY_PROTOCOL: "ssh" }),
    /BURROW_PROXY_PROTOCOL needs BURROW_TRUSTED_PROXIES: the addresses your load balancer connects from/,
  );
  assert.throws(
    () => loadEnv({ BURROW_PROXY_PROTOCOL: "https", BURROW_TRUSTED_PROXIES: "10.0.0.5" }),
    /BURROW_PROXY_PROTOCOL names https, but BURROW_HTTPS_PORT is not set/,
  );
});

test("BURROW_LISTEN_HOST: every address by default, IPv6 too where the host has it", () => {
  const hasIpv6 = Object.values(networkInterfaces()).some((list) => list?.some((a) => a.family === "IPv6"));
  assert.equal(loadEnv({}).BURROW_LISTEN_HOST, hasIpv6 ? "::" : "0.0.0.0");
  assert.equal(loadEnv({ BURROW_LISTEN_HOST: "" }).BURROW_LISTEN_HOST, loadEnv({}).BURROW_LISTEN_HOST);
  assert.equal(loadEnv({ BURROW_LISTEN_HOST: "127.0.0.1" }).BURROW_LISTEN_HOST, "127.0.0.1");
});

test("the relay's ports must differ (0, a free one each, may repeat)", () => {
  assert.throws(
    () => loadEnv({ BURROW_SSH_PORT: "2623", BURROW_HTTP_PORT: "2623" }),
    /BURROW_HTTP_PORT is 2623, as BURROW_SSH_PORT is: each needs a port of its own/,
  );
  assert.throws(
    () =>
      loadEnv({
        BURROW_HTTP_PORT: "8443",
        BURROW_HTTPS_PORT: "8443",
        BURROW_TLS_CERT: "cert.pem",
        BURROW_TLS_KEY: "key.pem",
      }),
    /BURROW_HTTPS_PORT is 8443, as BURROW_HTTP_PORT is/,
  );
  assert.equal(loadEnv({ BURROW_SSH_PORT: "0", BURROW_HTTP_PORT: "0" }).BURROW_HTTP_PORT, 0);
});

test("BURROW_LOG_RETENTION_DAYS: 30 by default, 0 keeps forever, a clear error for anything else", () => {
  assert.equal(loadEnv({}).BURROW_LOG_RETENTION_DAYS, 30);
  assert.equal(loadEnv({ BURROW_LOG_RETENTION_DAYS: "0" }).BURROW_LOG_RETENTION_DAYS, 0);
  assert.equal(loadEnv({ BURROW_LOG_RETENTION_DAYS: "90" }).BURROW_LOG_RETENTION_DAYS, 90);
  assert.throws(
    () => loadEnv({ BURROW_LOG_RETENTION_DAYS: "-1" }),
    /BURROW_LOG_RETENTION_DAYS must be 0 \(keep forever\) or more days/,
  );
  assert.throws(
    () => loadEnv({ BURROW_LOG_RETENTION_DAYS: "a month" }),
    /BURROW_LOG_RETENTION_DAYS must be a whole number of days/,
  );
  assert.throws(
    () => loadEnv({ BURROW_LOG_RETENTION_DAYS: "1.5" }),
    /BURROW_LOG_RETENTION_DAYS must be a whole number of days/,
  );
});

test("BURROW_LOG_WAITING_AFTER_SECONDS: 10 by default, whole seconds from 1 to 3600, a clear error otherwise", () => {
  assert.equal(loadEnv({}).BURROW_LOG_WAITING_AFTER_SECONDS, 10);
  assert.equal(loadEnv({ BURROW_LOG_WAITING_AFTER_SECONDS: "" }).BURROW_LOG_WAITING_AFTER_SECONDS, 10);
  assert.equal(loadEnv({ BURROW_LOG_WAITING_AFTER_SECONDS: "2" }).BURROW_LOG_WAITING_AFTER_SECONDS, 2);
  for (const wrong of ["0", "1.5", "3601", "10s"]) {
    assert.throws(
      () => loadEnv({ BURROW_LOG_WAITING_AFTER_SECONDS: wrong }),
      /^AppError: Invalid configuration: BURROW_LOG_WAITING_AFTER_SECONDS must be a whole number of seconds from 1 to 3600$/,
      wrong,
    );
  }
});

test("a setting left empty means its default (a port not 0, a random one); a wrong one says what is expected", () => {
  const empty = loadEnv({
    PORT: "",
    BURROW_SSH_PORT: "",
    BURROW_HTTPS_PORT: "",
    BURROW_MAX_NAMES: "",
    BURROW_LOG_RETENTION_DAYS: "",
    BURROW_HTTPS_REDIRECT: "",
    BURROW_ALLOW_SIGNUP: "",
    BURROW_DOMAIN: "",
    BURROW_DATA_DIR: "",
  });
  assert.equal(empty.PORT, 3000);
  assert.equal(empty.BURROW_SSH_PORT, 2222);
  assert.equal(empty.BURROW_HTTPS_PORT, undefined);
  assert.equal(empty.BURROW_MAX_NAMES, 10);
  assert.equal(empty.BURROW_LOG_RETENTION_DAYS, 30, "not 0, which keeps request logs forever");
  assert.equal(empty.BURROW_HTTPS_REDIRECT, true);
  assert.equal(empty.BURROW_ALLOW_SIGNUP, true);
  assert.equal(empty.BURROW_DOMAIN, "localhost");
  assert.equal(empty.BURROW_DATA_DIR, loadEnv({}).BURROW_DATA_DIR);
  assert.equal(loadEnv({ BURROW_ALLOW_SIGNUP: "no" }).BURROW_ALLOW_SIGNUP, false);
  assert.throws(() => loadEnv({ BURROW_ALLOW_SIGNUP: "maybe" }), /BURROW_ALLOW_SIGNUP must be true or false/);
  assert.equal(loadEnv({ PORT: "8000" }).PORT, 8000);
  assert.throws(
    () => loadEnv({ PORT: "abc" }),
    /^AppError: Invalid configuration: PORT must be a port number from 1 to 65535$/,
  );
  assert.throws(
    () => loadEnv({ BURROW_HTTP_PORT: "70000" }),
    /BURROW_HTTP_PORT must be a port number from 1 to 65535/,
  );
  assert.throws(
    () => loadEnv({ BURROW_MAX_NAMES: "0" }),
    /BURROW_MAX_NAMES must be a whole number, 1 or more/,
  );
  assert.throws(
    () => loadEnv({ BURROW_LOG_QUEUE_MAX: "lots" }),
    /BURROW_LOG_QUEUE_MAX must be a whole number, 1 or more/,
  );
});

test("BURROW_TUNNEL_URL: the tunnels' public address when TLS ends in front of the relay, or its ports are mapped", () => {
  // deploy/nginx-tunnels.conf's settings: nginx does TLS on 443 and passes the tunnels to 8080.
  const behindNginx = {
    BURROW_DOMAIN: "tunnels.example.com",
    BURROW_LISTEN_HOST: "127.0.0.1",
    BURROW_HTTP_PORT: "8080",
    BURROW_TRUSTED_PROXIES: "loopback",
  };
  assert.equal(tunnelUrl(loadEnv(behindNginx), "myapp"), "http://myapp.tunnels.example.com:8080");
  const told = loadEnv({ ...behindNginx, BURROW_TUNNEL_URL: "https://*.Tunnels.example.com:443/" });
  assert.equal(tunnelUrl(told, "myapp"), "https://myapp.tunnels.example.com");
  assert.equal(publicHttpsPort(told), 443);
  const mapped = loadEnv({ ...behindNginx, BURROW_TUNNEL_URL: "https://*.tunnels.example.com:8443" });
  assert.equal(tunnelUrl(mapped, "myapp"), "https://myapp.tunnels.example.com:8443");
  assert.equal(publicHttpsPort(mapped), 8443);
  assert.equal(
    publicHttpsPort(loadEnv({ ...behindNginx, BURROW_TUNNEL_URL: "http://*.tunnels.example.com" })),
    undefined,
  );
  for (const [value, message] of [
    [
      "tunnels.example.com",
      /BURROW_TUNNEL_URL must be a URL with \* for the name \(such as https:\/\/\*\.tunnels\.example\.com\)/,
    ],
    ["ftp://*.tunnels.example.com", /must start with https:\/\/ or http:\/\//],
    ["https://tunnels.example.com", /must have the host \*\.tunnels\.example\.com/],
    ["https://*.other.example", /must have the host \*\.tunnels\.example\.com/],
    ["https://*.tunnels.example.com/app", /no path/],
  ] as const) {
    assert.throws(() => loadEnv({ ...behindNginx, BURROW_TUNNEL_URL: value }), message, value);
  }
});

test("a replay tells the app the scheme and port visitors use: BURROW_TUNNEL_URL's, else the relay's own", () => {
  const behindNginx = { BURROW_DOMAIN: "tunnels.example.com", BURROW_HTTP_PORT: "8080" };
  assert.deepEqual(publicEndpoint(loadEnv(behindNginx)), { proto: "http", port: 8080 });
  assert.deepEqual(
    publicEndpoint(loadEnv({ ...behindNginx, BURROW_TUNNEL_URL: "https://*.tunnels.example.com" })),
    { proto: "https", port: 443 },
  );
  const tls = {
    ...behindNginx,
    BURROW_HTTPS_PORT: "8443",
    BURROW_TLS_CERT: "c.pem",
    BURROW_TLS_KEY: "k.pem",
  };
  assert.deepEqual(publicEndpoint(loadEnv(tls)), { proto: "https", port: 8443 });
  assert.deepEqual(
    publicEndpoint(loadEnv({ ...tls, BURROW_TUNNEL_URL: "https://*.tunnels.example.com:443" })),
    { proto: "https", port: 443 },
  );
});

test("BURROW_ACME_EMAIL turns on certificates from Let's Encrypt (or another ACME directory) for the HTTPS port", () => {
  const acme = {
    BURROW_DOMAIN: "tunnels.example.com",
    BURROW_HTTPS_PORT: "443",
    BURROW_ACME_EMAIL: "ops@example.com",
  };
  const env = loadEnv(acme);
  assert.equal(env.BURROW_ACME_EMAIL, "ops@example.com");
  assert.equal(env.BURROW_ACME_DIRECTORY, "https://acme-v02.api.letsencrypt.org/directory");
  assert.equal(env.BURROW_ACME_CA_FILE, undefined);
  assert.equal(env.BURROW_ACME_WEEKLY_LIMIT, 40, "under Let's Encrypt's 50 a week");
  assert.equal(loadEnv({ ...acme, BURROW_ACME_WEEKLY_LIMIT: "0" }).BURROW_ACME_WEEKLY_LIMIT, 0);
  assert.throws(
    () => loadEnv({ ...acme, BURROW_ACME_WEEKLY_LIMIT: "-1" }),
    /BURROW_ACME_WEEKLY_LIMIT must be 0 \(no limit\) or more certificates/,
  );
  assert.equal(
    loadEnv({ ...acme, BURROW_ACME_DIRECTORY: "https://ca.internal:9000/acme/acme/directory" })
      .BURROW_ACME_DIRECTORY,
    "https://ca.internal:9000/acme/acme/directory",
  );
  assert.equal(loadEnv({}).BURROW_ACME_EMAIL, undefined);
  assert.throws(
    () => loadEnv({ BURROW_DOMAIN: "tunnels.example.com", BURROW_HTTPS_PORT: "443" }),
    /BURROW_HTTPS_PORT needs BURROW_ACME_EMAIL \(certificates from Let's Encrypt\) or BURROW_TLS_CERT and BURROW_TLS_KEY/,
  );
  assert.throws(
    () => loadEnv({ ...acme, BURROW_TLS_CERT: "c.pem", BURROW_TLS_KEY: "k.pem" }),
    /BURROW_ACME_EMAIL and BURROW_TLS_CERT \/ BURROW_TLS_KEY are both set: use one or the other/,
  );
  assert.throws(
    () => loadEnv({ ...acme, BURROW_HTTPS_PORT: undefined }),
    /BURROW_ACME_EMAIL needs BURROW_HTTPS_PORT/,
  );
  assert.throws(
    () => loadEnv({ ...acme, BURROW_DOMAIN: "localhost" }),
    /BURROW_ACME_EMAIL needs BURROW_DOMAIN set to your domain/,
  );
  assert.throws(
    () => loadEnv({ ...acme, BURROW_ACME_EMAIL: "ops" }),
    /BURROW_ACME_EMAIL must be an email address/,
  );
  assert.throws(
    () => loadEnv({ ...acme, BURROW_ACME_DIRECTORY: "http://ca.internal/directory" }),
    /BURROW_ACME_DIRECTORY must be an https:\/\/ URL/,
  );
  assert.throws(
    () => loadEnv({ BURROW_ACME_CA_FILE: "/etc/ca.pem" }),
    /BURROW_ACME_CA_FILE is set, but BURROW_ACME_EMAIL is not/,
  );
});
