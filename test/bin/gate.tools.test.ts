import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../../config/stackFile";
import { GateEnvironment } from "../fixtures/gateEnvironment";
import { ServiceProxy } from "../fixtures/serviceProxy";
import { freePort } from "../harness/apiserver";

/**
 * `npm run gate` as an operator runs it, against Debian's Prometheus scraping the fixture service,
 * with the gate the `local` stack defines (window 5m, at least 100 requests, canary p95 < 200 ms).
 */

interface CliRun {
    code: number | null;
    stdout: string;
    stderr: string;
    ms: number;
}

/**
 * The CLI as the npm script runs it (ts-node, transpile only); `viaNpm` goes through `npm run gate` itself.
 * `env` is added to the environment; KUBECONFIG and HOME always point at nothing unless `env` sets them,
 * so no test reads the operator's kubeconfig.
 */
function gateCli(args: string[], viaNpm = false, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
    const started = Date.now();
    const options = {
        cwd: PROJECT_ROOT,
        env: {
            ...process.env,
            KUBECONFIG: path.join(os.tmpdir(), "no-such-kubeconfig"),
            HOME: path.join(os.tmpdir(), "no-such-home"),
            ...env,
        },
    };
    const child = viaNpm
        ? spawn("npm", ["run", "--silent", "gate", "--", ...args], options)
        : spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "bin/gate.ts", ...args], options);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr, ms: Date.now() - started })));
}

describe("gate CLI (npm run gate)", function () {
    this.timeout(120_000);
    let env: GateEnvironment;
    let versions: { candidate: string; stable: string };

    before(async function () {
        env = await GateEnvironment.start({ candidateRate: 20, stableRate: 20 });
    });
    after(async function () {
        await env?.stop();
    });

    /** Deploys fresh versions and waits until the stack's minimum-traffic guard (100 requests in 5m) is met by both. */
    async function deployWithTraffic(candidate: Parameters<GateEnvironment["candidate"]["set"]>[0] = {}): Promise<void> {
        versions = env.deploy("cli");
        env.candidate.set(candidate);
        await env.waitForTraffic(versions, 120, "5m");
    }

    const args = (...extra: string[]) => [
        "--prometheus",
        env.prometheus.url,
        "--stack",
        "local",
        "--stage",
        "canary",
        "--version",
        versions.candidate,
        "--stable-version",
        versions.stable,
        ...extra,
    ];

    it("--once passes a healthy canary: exit 0 and the table of every check", async function () {
        await deployWithTraffic();
        const run = await gateCli(args("--once"));
        assert.strictEqual(run.code, 0, run.stderr + run.stdout);
        const lines = run.stdout.split("\n");
        assert.match(
            lines[0],
            new RegExp(
                `^check\\s+canary v${versions.candidate.replace(/\./g, "\\.")}\\s+stable v${versions.stable.replace(/\./g, "\\.")}\\s+threshold\\s+verdict$`,
            ),
        );
        assert.match(run.stdout, /^traffic +\d+(\.\d)? requests +\d+(\.\d)? requests +>= 100 requests +pass$/m);
        assert.match(run.stdout, /^error-rate +0\.00% +0\.00% +< 0\.1%; abort > 0\.5%; <= stable \+ 0\.5 pts +pass$/m);
        // The local stack's canary stage: p95 < 200 ms (the seed's stage-1 criterion), compared with stable × 1.5.
        assert.match(run.stdout, /^latency-p95 +\d+ms +\d+ms +< 200ms; abort > 1000ms; <= stable × 1\.5 +pass$/m);
        for (const id of ["agent-failures", "workflow-errors", "agent-availability", "workflow-success", "memory", "cpu"])
            assert.match(run.stdout, new RegExp(`^${id} .* pass$`, "m"));
        assert.match(run.stdout, /^verdict: PASS$/m);
        assert.match(
            run.stderr,
            /^gate "canary" of stack local: 11 checks over 5m, at least 100 requests; one evaluation; canary 5\.1-cli\d+ vs stable 5\.0-cli\d+ on http:\/\/127\.0\.0\.1:\d+$/m,
        );
    });

    it("fails an error spike early in the bake, on its second breaching evaluation: exit 1 with the table and the failure", async function () {
        await deployWithTraffic({ errorRate: 0.25 });
        const run = await gateCli(args());
        assert.strictEqual(run.code, 1, run.stderr + run.stdout);
        assert.match(run.stdout, /^error-rate +(\d+\.\d\d)% +0\.00% +< 0\.1%; abort > 0\.5%; <= stable \+ 0\.5 pts +breach$/m);
        assert.match(
            run.stdout,
            /^verdict: FAIL\n {2}gate "canary" failed: error-rate \d+\.\d\d% > 0\.5% \(rollback trigger, 2 evaluations in a row\) over 1m; canary v5\.1-cli\d+=\d+\.\d\d%, stable v5\.0-cli\d+=0\.00%$/m,
        );
        assert.match(run.stderr, /bake 120 s, every 10 s/);
        // Trigger evidence (docs/rollout.md): judged once the 1m trigger window holds 250 candidate requests, confirmed by the next evaluation.
        assert.match(run.stderr, /^health-gate "canary" \d+\/120 s: pending; .* breaching; .*\nhealth-gate "canary" \d+\/120 s: fail; /m);
        // Timed by the gate's own clock, not from the CLI's start (ts-node on a busy machine): the window held 120 requests when
        // the gate started and over 250 by its second evaluation, so the second breaching one is the third at the latest, 20 s in.
        const decidedAt = Number(/^health-gate "canary" (\d+)\/120 s: fail; /m.exec(run.stderr)?.[1]);
        assert.ok(decidedAt <= 25, `decided ${decidedAt} s into the 120 s bake:\n${run.stderr}`);
    });

    it('--once without traffic to the candidate: exit 2, waiting for data under the "wait" policy', async function () {
        versions = env.deploy("cli");
        env.load.setRate(env.candidate, 0);
        const run = await gateCli(args("--once"));
        assert.strictEqual(run.code, 2, run.stderr + run.stdout);
        assert.match(run.stdout, /^traffic +no data +.* +no-data \(wait\)$/m);
        assert.match(
            run.stdout,
            /^verdict: COULD NOT EVALUATE \(waiting for data\)\n {2}traffic has no data \(empty result \(no series in the window\)\) \(no-data policy "wait"\)\n/m,
        );
    });

    describe("without --prometheus: the stack's Prometheus Service through the API server's service proxy", function () {
        const SERVICE = { namespace: "monitoring", name: "prometheus-operated", port: 9090 };
        const PROXY_PATH = "/api/v1/namespaces/monitoring/services/http:prometheus-operated:9090/proxy/api/v1/query";
        let proxy: ServiceProxy;
        let dir: string;
        let kubeconfigFile: string;
        const serviceArgs = (...extra: string[]) => [
            "--stack",
            "local",
            "--stage",
            "canary",
            "--version",
            versions.candidate,
            "--stable-version",
            versions.stable,
            "--once",
            ...extra,
        ];

        before(async function () {
            proxy = await ServiceProxy.start(env.prometheus.url, SERVICE, "cli-token");
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-cli-"));
            kubeconfigFile = path.join(dir, "kubeconfig.json");
            fs.writeFileSync(kubeconfigFile, proxy.kubeconfig());
        });
        after(async function () {
            await proxy?.stop();
            if (dir) fs.rmSync(dir, { recursive: true, force: true });
        });

        it("--kubeconfig: every query goes through the proxy path with the kubeconfig's token", async function () {
            await deployWithTraffic();
            proxy.seen.length = 0;
            const run = await gateCli(serviceArgs("--kubeconfig", kubeconfigFile));
            assert.strictEqual(run.code, 0, run.stderr + run.stdout);
            assert.match(run.stdout, /^verdict: PASS$/m);
            assert.ok(
                run.stderr.includes(
                    `canary ${versions.candidate} vs stable ${versions.stable} on service monitoring/prometheus-operated:9090 via ${proxy.url}\n`,
                ),
                run.stderr,
            );
            assert.ok(
                proxy.seen.length >= 10 && proxy.seen.every((s) => s === `Bearer cli-token ${PROXY_PATH}`),
                proxy.seen.slice(0, 3).join("\n"),
            );
        });

        it("the ambient kubeconfig when no --kubeconfig is given: the first existing file of KUBECONFIG", async function () {
            await deployWithTraffic();
            proxy.seen.length = 0;
            const run = await gateCli(serviceArgs(), false, {
                KUBECONFIG: `${path.join(dir, "absent.yaml")}${path.delimiter}${kubeconfigFile}`,
            });
            assert.strictEqual(run.code, 0, run.stderr + run.stdout);
            assert.ok(run.stderr.includes(`on service monitoring/prometheus-operated:9090 via ${proxy.url}\n`), run.stderr);
            assert.ok(proxy.seen.length > 0, "queried through the proxy");
        });

        it("exit 2 when the API server refuses the kubeconfig's credentials", async function () {
            const wrong = path.join(dir, "wrong-token.json");
            fs.writeFileSync(wrong, proxy.kubeconfig().replace("cli-token", "stale-token"));
            const run = await gateCli(serviceArgs("--kubeconfig", wrong));
            assert.strictEqual(run.code, 2);
            assert.strictEqual(run.stdout, "");
            assert.strictEqual(
                run.stderr,
                `gate: could not evaluate: Prometheus at service monitoring/prometheus-operated:9090 via ${proxy.url} answered HTTP 403: forbidden\n`,
            );
        });

        it("exit 2 naming where it looked when there is no kubeconfig, and for one it cannot read", async function () {
            const none = await gateCli(serviceArgs());
            assert.strictEqual(none.code, 2);
            assert.match(
                none.stderr,
                /^gate: stack "local" reaches Prometheus through the API server's service proxy \(monitoring\/prometheus-operated:9090\) and no kubeconfig was found \(--kubeconfig, KUBECONFIG, ~\/\.kube\/config\); pass --kubeconfig <file>, or --prometheus <url> after `kubectl -n monitoring port-forward svc\/prometheus-operated 9090`$/m,
            );
            const missing = path.join(dir, "absent.yaml");
            const unreadable = await gateCli(serviceArgs("--kubeconfig", missing));
            assert.strictEqual(unreadable.code, 2);
            assert.strictEqual(unreadable.stderr, `gate: cannot read the kubeconfig ${missing}: ENOENT\n`);
        });
    });

    it("exit 2 when Prometheus is unreachable", async function () {
        versions = { candidate: "5.1.0", stable: "5.0.0" };
        const closed = `http://127.0.0.1:${await freePort()}`;
        const run = await gateCli([
            "--prometheus",
            closed,
            "--stack",
            "local",
            "--stage",
            "canary",
            "--version",
            "5.1.0",
            "--stable-version",
            "5.0.0",
        ]);
        assert.strictEqual(run.code, 2);
        assert.strictEqual(run.stdout, "");
        assert.match(
            run.stderr,
            new RegExp(
                `^gate: could not evaluate: Prometheus at ${closed.replace(/\./g, "\\.")} unavailable after \\d+ attempts: connect ECONNREFUSED`,
                "m",
            ),
        );
    });

    it("exit 2 with a clear message for a bad stage name, through npm run gate", async function () {
        const run = await gateCli(
            [
                "--prometheus",
                "http://127.0.0.1:9",
                "--stack",
                "local",
                "--stage",
                "canary-2",
                "--version",
                "5.1.0",
                "--stable-version",
                "5.0.0",
            ],
            true,
        );
        assert.strictEqual(run.code, 2);
        assert.match(
            run.stderr,
            /^gate: unknown stage "canary-2"; expected one of stable, canary, canary-expand, blue-green-prep, full-switch, rollback$/m,
        );
        const stable = await gateCli([
            "--prometheus",
            "http://127.0.0.1:9",
            "--stack",
            "local",
            "--stage",
            "rollback",
            "--version",
            "5.1.0",
            "--stable-version",
            "5.0.0",
        ]);
        assert.strictEqual(stable.code, 2);
        assert.match(
            stable.stderr,
            /^gate: stage "rollback" has no health gate; expected one of canary, canary-expand, blue-green-prep, full-switch$/m,
        );
    });

    it("exit 2 for missing arguments and an unknown stack", async function () {
        const missing = await gateCli(["--stack", "local", "--stage", "canary"]);
        assert.strictEqual(missing.code, 2);
        assert.match(missing.stderr, /^gate: missing --version, --stable-version\nusage: npm run gate -- /m);
        const unknown = await gateCli([
            "--prometheus",
            "http://127.0.0.1:9",
            "--stack",
            "qa",
            "--stage",
            "canary",
            "--version",
            "5.1.0",
            "--stable-version",
            "5.0.0",
        ]);
        assert.strictEqual(unknown.code, 2);
        assert.match(unknown.stderr, /^gate: no stack file .*Pulumi\.qa\.yaml \(known stacks: staging, production, local\)$/m);
    });
});
