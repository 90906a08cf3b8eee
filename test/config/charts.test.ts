import * as assert from "assert";
import { parsePlatformConfig } from "../../config";
import { readStackSettings, STACKS } from "../../config/stackFile";
import { problemsOf } from "./problems";

/** The local stack's settings with `charts.mirror` set to `mirror`. */
const withMirror = (mirror: unknown) => ({ ...readStackSettings("local"), charts: { mirror } });

const EXPECTED =
    "an https:// Helm repository URL (the policy pack refuses plain http), an oci:// registry such as oci://registry.example.com/charts, " +
    "or a directory of <chart>-<version>.tgz files (absolute, or relative to the project directory such as ./charts)";

describe("charts config (charts.mirror)", () => {
    it("is unset in every shipped stack: each chart comes from its public repository", () => {
        for (const stack of STACKS) assert.deepStrictEqual(parsePlatformConfig(readStackSettings(stack)).charts, {}, stack);
    });

    it("accepts a Helm repository, an OCI registry and a directory, and says which it is", () => {
        const cases: [string, unknown][] = [
            ["https://charts.internal.example.com/helm", { kind: "repository", location: "https://charts.internal.example.com/helm" }],
            ["https://10.0.0.5:8443/", { kind: "repository", location: "https://10.0.0.5:8443/" }],
            ["oci://registry.example.com/charts", { kind: "oci", location: "oci://registry.example.com/charts" }],
            // A trailing slash would double in `<location>/<chart>`.
            [
                "oci://registry.example.com:5000/platform/charts/",
                { kind: "oci", location: "oci://registry.example.com:5000/platform/charts" },
            ],
            ["oci://registry.example.com", { kind: "oci", location: "oci://registry.example.com" }],
            ["/srv/helm-charts", { kind: "directory", location: "/srv/helm-charts" }],
            ["./charts", { kind: "directory", location: "./charts" }],
            ["../mirror/charts", { kind: "directory", location: "../mirror/charts" }],
        ];
        for (const [mirror, expected] of cases) {
            assert.deepStrictEqual(parsePlatformConfig(withMirror(mirror)).charts.mirror, expected, mirror);
        }
    });

    it("rejects anything else with the key path, the value and the three accepted forms", () => {
        const rejected = [
            "ftp://x",
            // The policy pack's chart rule refuses plain http, so the schema does too.
            "http://10.0.0.5:8080/",
            "",
            // Relative directories start with ./ or ../, so a URL without its scheme is not taken for one.
            "charts",
            "charts.example.com/helm",
            "~/charts",
            "https://",
            // OCI repository paths are lowercase (the distribution spec).
            "oci://registry.example.com/Charts",
            "oci://",
        ];
        for (const mirror of rejected) {
            assert.deepStrictEqual(
                problemsOf(withMirror(mirror)),
                [`claude-enhancer:charts.mirror: got ${JSON.stringify(mirror)}; expected ${EXPECTED}`],
                mirror,
            );
        }
        assert.deepStrictEqual(problemsOf(withMirror(8080)), ["claude-enhancer:charts.mirror: got 8080; expected a value of type string"]);
        assert.deepStrictEqual(problemsOf({ ...readStackSettings("local"), charts: { mirrors: "./charts" } }), [
            "claude-enhancer:charts.mirrors: unknown key; check its spelling or remove it",
        ]);
    });
});
