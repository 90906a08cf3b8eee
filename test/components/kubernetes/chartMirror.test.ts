import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError } from "../../../config";
import { bearerChallenge, ensureChartsMirrored, mirrorVerdict } from "../../../components/kubernetes/chartMirror";

const JAEGER = { name: "jaeger", version: "4.11.1", repo: "https://jaegertracing.github.io/helm-charts" };
const CERT_MANAGER = { name: "cert-manager", version: "v1.18.2", repo: "https://charts.jetstack.io" };

/** A directory mirror: its charts are files, checked where the program runs (the HTTP and OCI forms: chartMirror.tools.test.ts). */
describe("chartMirror: a directory mirror holds every chart", () => {
    let root: string;
    let dir: string;

    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "project-"));
        dir = path.join(root, "charts");
        fs.mkdirSync(dir);
        fs.writeFileSync(path.join(dir, "cert-manager-v1.18.2.tgz"), "");
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it("passes when every <chart>-<version>.tgz is there", async () => {
        fs.writeFileSync(path.join(dir, "jaeger-4.11.1.tgz"), "");
        assert.deepStrictEqual(await mirrorVerdict([JAEGER, CERT_MANAGER], { kind: "directory", location: dir }), {
            problems: [],
            warnings: [],
        });
    });

    it("names each missing chart, its version, the mirror, the file looked for and the command that fetches it", async () => {
        // Another version of the chart is no substitute.
        fs.writeFileSync(path.join(dir, "jaeger-4.10.0.tgz"), "");
        assert.deepStrictEqual(await mirrorVerdict([JAEGER, CERT_MANAGER], { kind: "directory", location: dir }), {
            problems: [
                `claude-enhancer:charts.mirror: got ${JSON.stringify(dir)}; expected a mirror holding chart jaeger version 4.11.1 ` +
                    `(no file ${dir}/jaeger-4.11.1.tgz; add it with: ` +
                    `helm pull jaeger --repo https://jaegertracing.github.io/helm-charts --version 4.11.1 --destination ${dir})`,
            ],
            warnings: [],
        });
    });

    it("reads a relative directory from the project directory, and names it as configured and as resolved", async () => {
        const verdict = await mirrorVerdict([JAEGER, CERT_MANAGER], { kind: "directory", location: "./charts" }, { root });
        assert.deepStrictEqual(verdict.problems, [
            `claude-enhancer:charts.mirror: got "./charts"; expected a mirror holding chart jaeger version 4.11.1 ` +
                `(no file ${dir}/jaeger-4.11.1.tgz; add it with: ` +
                `helm pull jaeger --repo https://jaegertracing.github.io/helm-charts --version 4.11.1 --destination ${dir})`,
        ]);
    });

    it("a directory that is not there is one problem, not one per chart", async () => {
        const verdict = await mirrorVerdict([JAEGER, CERT_MANAGER], { kind: "directory", location: "../mirror" }, { root });
        assert.deepStrictEqual(verdict.problems, [
            `claude-enhancer:charts.mirror: got "../mirror"; expected a directory of <chart>-<version>.tgz files ` +
                `(${path.join(path.dirname(root), "mirror")} is not a directory)`,
        ]);
    });

    it("fails the run with a ConfigError listing the problems", async () => {
        const failure = await ensureChartsMirrored([JAEGER], { kind: "directory", location: dir }).then(
            () => assert.fail("accepted a mirror without jaeger"),
            (err: unknown) => err,
        );
        assert.ok(failure instanceof ConfigError);
        assert.match(
            failure.message,
            /^invalid stack configuration:\n {2}- claude-enhancer:charts\.mirror: got .*chart jaeger version 4\.11\.1/,
        );
        assert.strictEqual(failure.problems.length, 1);
    });
});

describe("chartMirror: what a Helm repository lists instead", () => {
    it("shortens a long version list to its first ten, saying how many there are", async () => {
        const versions = Array.from({ length: 12 }, (_, i) => `4.${12 - i}.0`);
        const index = `apiVersion: v1\nentries:\n  jaeger:\n${versions.map((v) => `    - version: ${v}\n`).join("")}`;
        const get = async () => ({ status: 200, header: () => null, body: index });
        const verdict = await mirrorVerdict([JAEGER], { kind: "repository", location: "https://charts.example.com" }, { get });
        assert.match(verdict.problems[0], /\(index\.yaml lists jaeger 4\.12\.0, 4\.11\.0, .*, 4\.3\.0, … \(12 in all\); add it with: /);
        assert.doesNotMatch(verdict.problems[0], /4\.2\.0/);
    });
});

describe("chartMirror: bearerChallenge (an OCI registry's WWW-Authenticate)", () => {
    it("reads realm, service and scope of a Bearer challenge", () => {
        assert.deepStrictEqual(
            bearerChallenge(
                'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:charts/jaeger:pull"',
            ),
            { realm: "https://auth.example.com/token", service: "registry.example.com", scope: "repository:charts/jaeger:pull" },
        );
    });

    it("is none for Basic authentication, a challenge without a realm, or no header", () => {
        assert.strictEqual(bearerChallenge('Basic realm="registry"'), undefined);
        assert.strictEqual(bearerChallenge('Bearer service="registry.example.com"'), undefined);
        assert.strictEqual(bearerChallenge(null), undefined);
    });
});
