import * as assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

const ROOT = join(__dirname, "..", "..");

interface Step {
    uses?: string;
    run?: string;
    with?: Record<string, string | boolean>;
}
interface Job {
    if?: string;
    needs?: string;
    environment?: string;
    strategy?: { matrix: Record<string, string[]> };
    steps: Step[];
}

describe(".github/workflows/pulumi.yml (the pipeline without Pulumi Deployments)", () => {
    const workflow = parse(readFileSync(join(ROOT, ".github", "workflows", "pulumi.yml"), "utf8")) as {
        on: Record<string, any>;
        permissions: Record<string, string>;
        jobs: Record<string, Job>;
    };
    const pulumiStep = (job: Job) => job.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;

    it("runs on pull requests, pushes to main and manual dispatch, with OIDC instead of cloud keys", () => {
        assert.deepEqual(workflow.on.push, { branches: ["main"] });
        assert.deepEqual(workflow.on.pull_request, { branches: ["main", "release"] });
        assert.deepEqual(workflow.on.workflow_dispatch.inputs.stack.options, ["production", "staging"]);
        assert.equal(workflow.permissions["id-token"], "write");
        for (const job of Object.values(workflow.jobs)) {
            assert.ok(!JSON.stringify(job).includes("aws-secret-access-key"), "no static AWS keys");
        }
    });

    it("previews both stacks on pull requests with the policy pack and each stack's policy config", () => {
        const preview = workflow.jobs.preview;
        assert.equal(preview.if, "github.event_name == 'pull_request'");
        assert.deepEqual(preview.strategy!.matrix.stack, ["staging", "production"]);
        assert.deepEqual(pulumiStep(preview).with, {
            command: "preview",
            "stack-name": "${{ vars.PULUMI_ORG }}/${{ matrix.stack }}",
            policyPacks: "policies",
            policyPackConfigs: "policies/config/${{ matrix.stack }}.json",
            "comment-on-pr": true,
        });
    });

    it("updates staging on a push to main, after the tests, with the pack", () => {
        const up = workflow.jobs["up-staging"];
        assert.equal(up.if, "github.event_name == 'push' && github.ref == 'refs/heads/main'");
        assert.equal(up.needs, "test");
        assert.equal(up.environment, "staging");
        assert.deepEqual(pulumiStep(up).with, {
            command: "up",
            "stack-name": "${{ vars.PULUMI_ORG }}/staging",
            policyPacks: "policies",
            policyPackConfigs: "policies/config/staging.json",
        });
    });

    it("updates production only on manual dispatch, through the protected environment", () => {
        const manual = workflow.jobs["up-manual"];
        assert.equal(manual.if, "github.event_name == 'workflow_dispatch'");
        assert.equal(manual.environment, "${{ github.event.inputs.stack }}");
        assert.equal(pulumiStep(manual).with!.policyPackConfigs, "policies/config/${{ github.event.inputs.stack }}.json");
        const production = Object.entries(workflow.jobs).filter(([, job]) => JSON.stringify(job).includes("AWS_ROLE_ARN_PRODUCTION"));
        assert.deepEqual(
            production.map(([name]) => name).sort(),
            ["preview", "up-manual"],
            "only previews and the manual job assume the production role",
        );
    });

    it("names policy config files that exist and the test job runs the CI script", () => {
        for (const stack of ["staging", "production"]) assert.ok(existsSync(join(ROOT, "policies", "config", `${stack}.json`)));
        assert.ok(workflow.jobs.test.steps.some((s) => s.run?.includes("bash .ci/run")));
    });
});
