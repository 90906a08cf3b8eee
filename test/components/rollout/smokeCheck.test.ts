import * as assert from "assert";
import { execFile } from "child_process";
import * as http from "http";
import * as net from "net";
import { SMOKE_CHECK_COMMAND, smokeCheckEnvironment, smokeCheckUrl } from "../../../components/rollout/smokeCheck";

describe("smoke check", () => {
    it("puts the health path on the router's address, with or without a trailing slash or base path", () => {
        assert.strictEqual(smokeCheckUrl("http://127.0.0.1:8080", "health/ready"), "http://127.0.0.1:8080/health/ready");
        assert.strictEqual(smokeCheckUrl("https://router.example/", "health/ready"), "https://router.example/health/ready");
        assert.strictEqual(smokeCheckUrl("https://router.example/edge", "health/ready"), "https://router.example/edge/health/ready");
    });

    describe("the command, run by sh against a local server", () => {
        let server: http.Server;
        let url: string;
        const seen: { host?: string; path?: string }[] = [];
        let status = 200;

        before(async () => {
            server = http.createServer((req, res) => {
                seen.push({ host: req.headers.host, path: req.url });
                res.writeHead(status);
                res.end();
            });
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
        });
        after(() => new Promise((resolve) => server.close(resolve)));

        /** Runs the command as the command provider does (sh -c, values in the environment). */
        const run = (timeoutSeconds: number) =>
            new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
                const env = {
                    ...process.env,
                    ...smokeCheckEnvironment({ routerUrl: url, host: "claude-enhancer.example", path: "/health/ready", timeoutSeconds }),
                };
                execFile("sh", ["-c", SMOKE_CHECK_COMMAND], { env }, (err, stdout, stderr) =>
                    resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
                );
            });

        it("passes on 2xx, sending the service's Host to the health endpoint, and says what it saw", async () => {
            status = 200;
            const r = await run(1);
            assert.strictEqual(r.code, 0, r.stderr);
            assert.match(
                r.stdout,
                /^smoke check: HTTP 200 from http:\/\/127\.0\.0\.1:\d+\/health\/ready \(Host: claude-enhancer\.example\)$/m,
            );
            assert.deepStrictEqual(seen.at(-1), { host: "claude-enhancer.example", path: "/health/ready" });
        });

        it("retries, then fails on a non-2xx answer", async function () {
            this.timeout(20_000);
            status = 503;
            const before = seen.length;
            const r = await run(2);
            assert.notStrictEqual(r.code, 0);
            assert.match(r.stderr, /503/);
            assert.strictEqual(seen.length - before, 3, "the first try and 2 retries");
        });
    });
});
