import * as assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

const ROOT = join(__dirname, "..", "..");

interface Step {
    id?: string;
    name?: string;
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
    permissions?: Record<string, string>;
    env?: Record<string, string>;
    concurrency?: { group: string; "cancel-in-progress": boolean };
    "runs-on": string;
    strategy?: { matrix: { include: Record<string, string>[] } };
    steps: Step[];
}
interface Workflow {
    on: Record<string, any>;
    env?: Record<string, string>;
    concurrency?: unknown;
    permissions?: Record<string, string>;
    jobs: Record<string, Job>;
}

/** Where a secret, a role or a token permission could reach a pull request's code. */
const SECRET = /\bsecrets\./;
const ROLE_ACTION = "aws-actions/configure-aws-credentials@";
/** The role the update jobs assume: the AWS_ROLE_ARN variable of the job's environment, so no other job can name production's. */
const ENVIRONMENT_ROLE = "${{ vars.AWS_ROLE_ARN }}";
const DISPATCHED_STACK = "${{ github.event.inputs.stack }}";

describe(".github/workflows/pulumi.yml (the pipeline without Pulumi Deployments)", () => {
    const workflow = parse(readFileSync(join(ROOT, ".github", "workflows", "pulumi.yml"), "utf8")) as Workflow;
    const jobs = Object.entries(workflow.jobs);
    const pulumiStep = (job: Job) => job.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
    /** The step that runs the committed stage's update (bin/rolloutStage.ts: pack on every update, rollback on a failed gate). */
    const stageStep = (job: Job) => job.steps.find((s) => s.id === "stage")!;
    const roleSteps = (job: Job) => job.steps.filter((s) => s.uses?.startsWith(ROLE_ACTION) || s.with?.["role-to-assume"] !== undefined);

    /**
     * The events a job runs on: all the workflow's triggers, or the one its `if` starts with. A condition
     * this cannot read (an `||`, no leading event check) fails, so no job's reach is guessed.
     */
    function eventsOf(name: string, job: Job): string[] {
        if (job.if === undefined) return Object.keys(workflow.on);
        const match = /^github\.event_name == '(\w+)'( && [^|]+)?$/.exec(job.if);
        assert.ok(match, `${name}: its if must start with one github.event_name check and hold no ||, so its events are plain: ${job.if}`);
        return [match[1]];
    }
    const prJobs = () => jobs.filter(([name, job]) => eventsOf(name, job).some((e) => e.startsWith("pull_request")));

    describe("credentials", () => {
        it("grants no token permission and sets no secret or variable for the whole workflow", () => {
            assert.deepEqual(workflow.permissions, {}, "each job names its own permissions");
            assert.equal(workflow.env, undefined, "a workflow-level env reaches every job, pull requests' included");
            const { jobs: _jobs, ...workflowLevel } = workflow;
            assert.doesNotMatch(JSON.stringify(workflowLevel), SECRET);
        });

        it("a job that runs a pull request's code gets no secret, environment, role or OIDC token, and a read-only GITHUB_TOKEN", () => {
            // Both run pull requests' code with the base repository's secrets.
            for (const trigger of ["pull_request_target", "workflow_run"]) assert.equal(workflow.on[trigger], undefined, trigger);
            assert.deepEqual(workflow.on.pull_request, { branches: ["main", "release"] });
            assert.deepEqual(
                prJobs().map(([name]) => name),
                ["test"],
                "pull requests run the tests only: a preview would run their code with the stack's credentials",
            );
            for (const [name, job] of prJobs()) {
                assert.doesNotMatch(JSON.stringify(job), SECRET, name);
                assert.equal(
                    job.environment,
                    undefined,
                    `${name}: an environment would give it the environment's secrets and OIDC subject`,
                );
                assert.deepEqual(roleSteps(job), [], name);
                assert.deepEqual(job.permissions, { contents: "read" }, name);
                assert.equal(job.env, undefined, name);
                assert.ok(!job.steps.some((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command !== undefined), name);
                const checkout = job.steps.find((s) => s.uses?.startsWith("actions/checkout@"))!;
                assert.equal(
                    checkout.with?.["persist-credentials"],
                    false,
                    `${name}: the token is not left in .git/config for the code to read`,
                );
                // Never a self-hosted runner: those sit inside a stack's VPC.
                assert.equal(job["runs-on"], "ubuntu-latest", name);
            }
        });

        it("assumes a role and reads a secret only in the update jobs of main's code, in the stack's environment, at the step that needs it", () => {
            const withCredentials = jobs.filter(([, job]) => roleSteps(job).length > 0 || SECRET.test(JSON.stringify(job)));
            assert.deepEqual(
                withCredentials.map(([name]) => name),
                ["up-staging", "up-manual"],
            );
            for (const [name, job] of withCredentials) {
                assert.ok(["push", "workflow_dispatch"].includes(eventsOf(name, job)[0]), name);
                assert.match(job.if!, / && github\.ref == 'refs\/heads\/main'$/, `${name}: main's reviewed code only`);
                assert.ok(["staging", DISPATCHED_STACK].includes(job.environment!), `${name}: ${job.environment}`);
                assert.deepEqual(
                    roleSteps(job).map((s) => [s.uses, s.with?.["role-to-assume"]]),
                    [["aws-actions/configure-aws-credentials@v4", ENVIRONMENT_ROLE]],
                    name,
                );
                // The one secret, the environment's Pulumi token, in the env of the update step only.
                const withSecret = job.steps.filter((s) => SECRET.test(JSON.stringify(s)));
                assert.deepEqual(withSecret, [stageStep(job)], name);
                assert.deepEqual(
                    Object.entries(stageStep(job).env!).filter(([, v]) => SECRET.test(v)),
                    [["PULUMI_ACCESS_TOKEN", "${{ secrets.PULUMI_ACCESS_TOKEN }}"]],
                    name,
                );
                assert.equal(job.env, undefined, name);
            }
        });

        it("updates production only from a manual run of main, through the environment named by the dispatched stack", () => {
            assert.deepEqual(workflow.on.workflow_dispatch.inputs.stack.options, ["production", "staging"]);
            const canReachProduction = jobs.filter(([, job]) => job.environment === "production" || job.environment === DISPATCHED_STACK);
            assert.deepEqual(
                canReachProduction.map(([name]) => name),
                ["up-manual"],
            );
            const manual = workflow.jobs["up-manual"];
            assert.equal(manual.if, "github.event_name == 'workflow_dispatch' && github.ref == 'refs/heads/main'");
            assert.equal(manual.environment, DISPATCHED_STACK);
            // The production role comes from the production environment alone: no job names a role of its own.
            assert.doesNotMatch(readFileSync(join(ROOT, ".github", "workflows", "pulumi.yml"), "utf8"), /AWS_ROLE_ARN_/);
        });

        it("asks for id-token: write exactly where a role is assumed, and assumes it after the installs, right before the update", () => {
            for (const [name, job] of jobs) {
                assert.equal(job.permissions?.["id-token"] === "write", roleSteps(job).length > 0, name);
                if (roleSteps(job).length === 0) continue;
                const index = (pred: (s: Step) => boolean) => job.steps.findIndex(pred);
                const role = index((s) => s.uses?.startsWith(ROLE_ACTION) === true);
                assert.ok(role > index((s) => s.run?.startsWith("npm ci") === true), `${name}: no install script runs with the role`);
                assert.ok(role > index((s) => s.uses?.startsWith("pulumi/actions@") === true), name);
                assert.equal(
                    role + 1,
                    index((s) => s.id === "stage"),
                    name,
                );
                assert.deepEqual(
                    job.permissions,
                    { contents: "read", "id-token": "write", "pull-requests": "write", statuses: "write" },
                    name,
                );
            }
        });

        it("installs the Node.js version .nvmrc names, in every job", () => {
            const setups = jobs.flatMap(([, job]) => job.steps.filter((s) => s.uses?.startsWith("actions/setup-node@")));
            assert.equal(setups.length, jobs.length);
            for (const setup of setups) assert.deepEqual(setup.with, { "node-version-file": ".nvmrc", cache: "npm" });
            assert.match(readFileSync(join(ROOT, ".nvmrc"), "utf8"), /^\d+(\.\d+)*\n?$/);
        });
    });

    it("runs on pull requests, pushes to main and manual dispatch, with OIDC instead of cloud keys", () => {
        assert.deepEqual(workflow.on.push, { branches: ["main"] });
        assert.deepEqual(Object.keys(workflow.on), ["pull_request", "push", "workflow_dispatch"]);
        for (const [name, job] of jobs) assert.ok(!JSON.stringify(job).includes("aws-secret-access-key"), `${name}: no static AWS keys`);
    });

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
            env: { PULUMI_ORG: "${{ vars.PULUMI_ORG }}", PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}" },
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
            assert.equal(workflow.jobs[name].permissions!.statuses, "write");
            assert.equal(workflow.jobs[name].permissions!["pull-requests"], "write");
        });
    }

    it("never cancels or skips an update: no concurrency group on the update jobs or the workflow", () => {
        assert.equal(
            workflow.concurrency,
            undefined,
            "a workflow-level group would replace a pending run (a pushed stage) with a newer one",
        );
        for (const [name, job] of jobs) assert.equal(job.concurrency, undefined, name);
    });

    it("updates production with the dispatched stack's stage", () => {
        assert.equal(
            stageStep(workflow.jobs["up-manual"]).run,
            "npm run -s rollout:stage -- --stack ${{ github.event.inputs.stack }} --report rollout-report.md",
        );
    });

    it("runs each stack's updates on that stack's self-hosted runner label when set (a private cluster), else ubuntu-latest", () => {
        const runner = (stack: string) => `\${{ vars.RUNNER_LABEL_${stack.toUpperCase()} || 'ubuntu-latest' }}`;
        assert.equal(workflow.jobs["up-staging"]["runs-on"], runner("staging"));
        assert.equal(
            workflow.jobs["up-manual"]["runs-on"],
            "${{ github.event.inputs.stack == 'production' && (vars.RUNNER_LABEL_PRODUCTION || 'ubuntu-latest') || (vars.RUNNER_LABEL_STAGING || 'ubuntu-latest') }}",
        );
    });

    it("names policy config files that exist and the test job runs the CI script", () => {
        for (const stack of ["staging", "production"]) assert.ok(existsSync(join(ROOT, "policies", "config", `${stack}.json`)));
        assert.ok(workflow.jobs.test.steps.some((s) => s.run?.includes("bash .ci/run")));
    });
});
