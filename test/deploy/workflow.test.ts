import * as assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

const ROOT = join(__dirname, "..", "..");

interface Step {
    id?: string;
    if?: string;
    uses?: string;
    run?: string;
    env?: Record<string, string>;
    with?: Record<string, string | boolean>;
}
interface Job {
    if?: string;
    needs?: string;
    environment?: string;
    concurrency?: { group: string; "cancel-in-progress": boolean };
    "runs-on": string;
    strategy?: { matrix: { include: Record<string, string>[] } };
    steps: Step[];
}

describe(".github/workflows/pulumi.yml (the pipeline without Pulumi Deployments)", () => {
    const workflow = parse(readFileSync(join(ROOT, ".github", "workflows", "pulumi.yml"), "utf8")) as {
        on: Record<string, any>;
        concurrency?: unknown;
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
        assert.deepEqual(
            preview.strategy!.matrix.include.map((m) => m.stack),
            ["staging", "production"],
        );
        assert.deepEqual(pulumiStep(preview).with, {
            command: "preview",
            "stack-name": "${{ vars.PULUMI_ORG }}/${{ matrix.stack }}",
            policyPacks: "policies",
            policyPackConfigs: "policies/config/${{ matrix.stack }}.json",
            "comment-on-pr": true,
        });
    });

    /** The step that runs the committed stage's update (bin/rolloutStage.ts: pack on every update, rollback on a failed gate). */
    const stageStep = (job: Job) => job.steps.find((s) => s.id === "stage")!;

    it("updates staging on a push to main, after the tests, through the rollout runner (pack, automatic rollback)", () => {
        const up = workflow.jobs["up-staging"];
        assert.equal(up.if, "github.event_name == 'push' && github.ref == 'refs/heads/main'");
        assert.equal(up.needs, "test");
        assert.equal(up.environment, "staging");
        assert.equal(pulumiStep(up).with, undefined, "pulumi/actions only installs the CLI; it runs no update of its own");
        assert.deepEqual(stageStep(up), {
            id: "stage",
            name: "Update the committed stage (rollback at once when its gate fails; pack and stack policy config on every update)",
            run: "npm run -s rollout:stage -- --stack staging --report rollout-report.md",
            env: { PULUMI_ORG: "${{ vars.PULUMI_ORG }}" },
        });
        const scripts = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts;
        assert.equal(scripts["rollout:stage"], "ts-node --transpile-only bin/rolloutStage.ts");
    });

    for (const name of ["up-staging", "up-manual"]) {
        it(`${name}: after a failed stage (rolled back by the runner) the report goes to the commit status and the pull request`, () => {
            const steps = workflow.jobs[name].steps;
            const index = steps.findIndex((s) => s.id === "stage");
            const report = steps[index + 1];
            assert.equal(report.if, "always() && steps.stage.outcome != 'skipped'", "it runs after a failed update too");
            assert.equal(report.uses, "actions/github-script@v7");
            assert.equal(report.env!.OUTCOME, "${{ steps.stage.outcome }}");
            const script = String(report.with!.script);
            assert.match(script, /readFileSync\("rollout-report\.md"/);
            assert.match(script, /createCommitStatus\(\{[^}]*state: ok \? "success" : "failure"/s);
            assert.match(script, /listPullRequestsAssociatedWithCommit[\s\S]*issues\.createComment/);
            assert.equal(workflow.permissions.statuses, "write");
            assert.equal(workflow.permissions["pull-requests"], "write");
        });
    }

    it("never cancels or skips an update: no concurrency group on the update jobs or the workflow", () => {
        assert.equal(
            workflow.concurrency,
            undefined,
            "a workflow-level group would replace a pending run (a pushed stage) with a newer one",
        );
        for (const name of ["up-staging", "up-manual"]) assert.equal(workflow.jobs[name].concurrency, undefined, name);
        // Previews may be superseded by a newer commit of the same pull request.
        assert.deepEqual(workflow.jobs.preview.concurrency, {
            group: "preview-${{ matrix.stack }}-${{ github.ref }}",
            "cancel-in-progress": true,
        });
    });

    it("updates production only on manual dispatch, through the protected environment", () => {
        const manual = workflow.jobs["up-manual"];
        assert.equal(manual.if, "github.event_name == 'workflow_dispatch'");
        assert.equal(manual.environment, "${{ github.event.inputs.stack }}");
        assert.equal(
            stageStep(manual).run,
            "npm run -s rollout:stage -- --stack ${{ github.event.inputs.stack }} --report rollout-report.md",
        );
        const production = Object.entries(workflow.jobs).filter(([, job]) => JSON.stringify(job).includes("AWS_ROLE_ARN_PRODUCTION"));
        assert.deepEqual(
            production.map(([name]) => name).sort(),
            ["preview", "up-manual"],
            "only previews and the manual job assume the production role",
        );
    });

    it("runs each stack's previews and updates on that stack's self-hosted runner label when set (a private cluster), else ubuntu-latest", () => {
        const runner = (stack: string) => `\${{ vars.RUNNER_LABEL_${stack.toUpperCase()} || 'ubuntu-latest' }}`;
        const preview = workflow.jobs.preview;
        assert.equal(preview["runs-on"], "${{ matrix.runner }}");
        assert.deepEqual(preview.strategy!.matrix.include, [
            { stack: "staging", runner: runner("staging") },
            { stack: "production", runner: runner("production") },
        ]);
        assert.equal(workflow.jobs["up-staging"]["runs-on"], runner("staging"));
        assert.equal(
            workflow.jobs["up-manual"]["runs-on"],
            "${{ github.event.inputs.stack == 'production' && (vars.RUNNER_LABEL_PRODUCTION || 'ubuntu-latest') || (vars.RUNNER_LABEL_STAGING || 'ubuntu-latest') }}",
        );
        // The tests reach no cluster: they stay on GitHub's runners.
        assert.equal(workflow.jobs.test["runs-on"], "ubuntu-latest");
    });

    it("names policy config files that exist and the test job runs the CI script", () => {
        for (const stack of ["staging", "production"]) assert.ok(existsSync(join(ROOT, "policies", "config", `${stack}.json`)));
        assert.ok(workflow.jobs.test.steps.some((s) => s.run?.includes("bash .ci/run")));
    });
});
