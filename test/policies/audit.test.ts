import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../bin/policyAudit";
import { AnalyzedResource } from "../../policies/analyzer";
import { toStackExport as stackExport } from "../../policies/stackExport";
import * as f from "./fixtures";
import * as hardened from "./awsSecurity.fixtures";
import { changed } from "./harness";

const ROOT = join(__dirname, "..", "..");

/** A small staging-like AWS stack that passes the pack (with the staging config's thresholds). */
function compliantStack(): AnalyzedResource[] {
    const provider = f.awsProvider();
    const withProvider = (r: AnalyzedResource) => ({
        ...r,
        provider: `${provider.urn}::aws-primary-id`,
        outputs: { ...r.outputs, tagsAll: f.COST_TAGS },
    });
    return [
        provider,
        ...[
            hardened.rdsPrimaryExportingLogs(),
            hardened.kmsKeyWithPolicy(),
            f.budget(),
            f.backupPlan(),
            f.backupSelection(),
            ...hardened.bucketsWithAccessLogs(),
        ].map(withProvider),
    ];
}

async function audit(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const log = console.log;
    const error = console.error;
    console.log = (...a: unknown[]) => void out.push(a.join(" "));
    console.error = (...a: unknown[]) => void err.push(a.join(" "));
    try {
        const code = await main(args);
        return { code, stdout: out.join("\n"), stderr: err.join("\n") };
    } finally {
        console.log = log;
        console.error = error;
    }
}

describe("policy:audit (offline audit of a stack export)", () => {
    let dir: string;
    const file = (name: string, content: string) => {
        const path = join(dir, name);
        writeFileSync(path, content);
        return path;
    };

    before(() => {
        dir = mkdtempSync(join(tmpdir(), "policy-audit-"));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("exits 0 and prints a clean pack on a compliant stack", async () => {
        const { code, stdout } = await audit([file("ok.json", stackExport(compliantStack()))]);
        assert.equal(code, 0, stdout);
        assert.match(stdout, /^Policies:\n {4}✅ claude-enhancer@v1\.0\.0 \(20 resources\)/);
        assert.match(stdout, /0 mandatory, 0 advisory violation\(s\)\.$/);
    });

    it("exits 1 on a mandatory violation and prints it like CrossGuard: level, severity, policy, resource, URN, message", async () => {
        const stack = compliantStack().map((r) => (r.name === "database-primary" ? changed(r, ["publiclyAccessible"], true) : r));
        const db = stack.find((r) => r.name === "database-primary")!;
        const { code, stdout } = await audit([file("public-db.json", stackExport(stack))]);
        assert.equal(code, 1);
        assert.ok(
            stdout.includes(
                [
                    "        - [mandatory] [severity: critical]  aws-rds-not-public  (aws:rds/instance:Instance: database-primary)",
                    `          urn: ${db.urn}`,
                    "          RDS instances are not publicly accessible.",
                    "          publiclyAccessible is true; databases live in private subnets only.",
                ].join("\n"),
            ),
            stdout,
        );
        assert.match(stdout, / {4}❌ claude-enhancer@v1\.0\.0/);
    });

    it("exits 0 when the stack's policy config makes the only violation advisory", async () => {
        const stack = compliantStack().map((r) => (r.name === "database-primary" ? changed(r, ["multiAz"], false) : r));
        const exportPath = file("single-az.json", stackExport(stack));
        assert.equal((await audit([exportPath])).code, 1);
        const { code, stdout } = await audit([
            exportPath,
            "--config",
            file("advisory.json", JSON.stringify({ "aws-rds-multi-az": "advisory" })),
        ]);
        assert.equal(code, 0);
        assert.match(stdout, /- \[advisory\] \[severity: high\] {2}aws-rds-multi-az {2}\(aws:rds\/instance:Instance: database-primary\)/);
        assert.match(stdout, /0 mandatory, 1 advisory violation\(s\)\./);
    });

    it("prints the diagnostics as JSON with --json", async () => {
        const stack = compliantStack().filter((r) => r.type !== "aws:budgets/budget:Budget");
        const { code, stdout } = await audit([file("no-budget.json", stackExport(stack)), "--json"]);
        assert.equal(code, 1);
        const diagnostics = JSON.parse(stdout);
        assert.deepEqual(
            diagnostics.map((d: { policyName: string; enforcementLevel: string; urn?: string }) => [
                d.policyName,
                d.enforcementLevel,
                d.urn,
            ]),
            [["cost-budget-exists", "mandatory", undefined]],
        );
    });

    it("exits 2 with a clear message on unreadable input", async () => {
        const missing = await audit([join(dir, "missing.json")]);
        assert.equal(missing.code, 2);
        assert.match(missing.stderr, /^policy audit: cannot read stack export .*missing\.json: ENOENT$/);

        const notJson = await audit([file("bad.json", "{ not json")]);
        assert.equal(notJson.code, 2);
        assert.match(notJson.stderr, /stack export .*bad\.json is not JSON/);

        const notExport = await audit([file("other.json", JSON.stringify({ resources: [] }))]);
        assert.equal(notExport.code, 2);
        assert.match(
            notExport.stderr,
            /cannot read stack export .*other\.json: not a `pulumi stack export` document: no "deployment" object/,
        );

        const badConfig = await audit([
            file("ok2.json", stackExport(compliantStack())),
            "--config",
            file("cfg.json", JSON.stringify({ "aws-rds-multi-az": "sometimes" })),
        ]);
        assert.equal(badConfig.code, 2);
        assert.match(badConfig.stderr, /policy pack configuration is invalid:\n {2}aws-rds-multi-az: enforcement level "sometimes"/);

        const noArgs = await audit([]);
        assert.equal(noArgs.code, 2);
        assert.match(noArgs.stderr, /no stack export given\nusage: npm run policy:audit/);
    });

    it("runs as `npm run policy:audit` with the exit code of the audit", () => {
        const stack = compliantStack().map((r) => (r.name === "database-key" ? changed(r, ["enableKeyRotation"], false) : r));
        const result = spawnSync(
            "npm",
            [
                "run",
                "--silent",
                "policy:audit",
                "--",
                file("cli.json", stackExport(stack)),
                "--config",
                join(ROOT, "policies", "config", "staging.json"),
            ],
            {
                cwd: ROOT,
                encoding: "utf8",
            },
        );
        assert.equal(result.status, 1, result.stderr);
        assert.match(
            result.stdout,
            /- \[mandatory\] \[severity: medium\] {2}aws-kms-key-rotation {2}\(aws:kms\/key:Key: database-key\)\n.*\n.*\n {10}enableKeyRotation is not true\./,
        );
    });
});
