import * as assert from "assert";
import { parsePlatformConfig } from "../../config";
import { readStackSettings } from "../../config/stackFile";
import { problemsOf } from "./problems";

/** Staging's real settings with `app` extended. */
function stagingApp(app: Record<string, unknown>): Record<string, unknown> {
    const settings = structuredClone(readStackSettings("staging")) as Record<string, any>;
    settings.app = { ...settings.app, ...app };
    return settings;
}

describe("app image and egress config", () => {
    it("defaults to no repository (the stack's ECR repository or the public image), 30 releases, 7 days, no exceptions", () => {
        const { app } = parsePlatformConfig(readStackSettings("staging"));
        assert.deepStrictEqual(app.image, { pullPolicy: "IfNotPresent", ecr: { keepReleases: 30, untaggedExpiryDays: 7 } });
        assert.deepStrictEqual(app.egress, { exceptions: [] });
    });

    it("accepts a documented exception, HTTPS by default", () => {
        const exception = { name: "llm-api", cidrs: ["0.0.0.0/0"], reason: "the provider publishes no address ranges" };
        const { app } = parsePlatformConfig(stagingApp({ egress: { exceptions: [exception] } }));
        assert.deepStrictEqual(app.egress.exceptions, [{ ...exception, ports: [443] }]);
    });

    it("rejects an exception without a reason or with a bad CIDR, naming key, value and expectation", () => {
        const problems = problemsOf(stagingApp({ egress: { exceptions: [{ name: "x", cidrs: ["10.0.0.0/33"], reason: "because" }] } }));
        assert.ok(
            problems.includes(
                'claude-enhancer:app.egress.exceptions[0].cidrs[0]: got "10.0.0.0/33"; expected an IPv4 CIDR block such as 203.0.113.0/24',
            ),
            problems.join("\n"),
        );
        assert.ok(
            problems.includes('claude-enhancer:app.egress.exceptions[0].reason: got "because"; expected at least 10 character(s)'),
            problems.join("\n"),
        );
    });

    it("refuses DATABASE_READ_HOST in app.env (the platform sets it)", () => {
        const problems = problemsOf(stagingApp({ env: { DATABASE_READ_HOST: "elsewhere" } }));
        assert.ok(
            problems.some((p) => p.startsWith("claude-enhancer:app.env.DATABASE_READ_HOST:")),
            problems.join("\n"),
        );
    });
});
